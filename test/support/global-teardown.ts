/** Runs once after every suite: stops the shared Temporal dev server global-setup.ts started, and frees its ports. */
import './global-setup';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.__APN_SHARED_SERVERS__;
  if (!shared) return;
  globalThis.__APN_SHARED_SERVERS__ = undefined;
  await shared.devServer.stop();
  shared.releasePorts();
}
