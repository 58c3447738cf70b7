/**
 * `npm run tools:install`: installs (or finds) both Temporal servers in the per-user cache ahead of time — the
 * Temporal CLI built with Go and the Java time-skipping test server resolved with Maven — and prints where they are.
 * `npm start` and `npm test` do the same on first use; this is for warming a machine or a CI image.
 */
import { ensureTools, ToolchainMissingError } from '../src/dev/tools';

async function main(command: string | undefined): Promise<void> {
  if (command !== 'install') {
    process.stderr.write('usage: tsx scripts/tools.ts install\n');
    process.exitCode = 2;
    return;
  }
  try {
    const tools = await ensureTools((line) => process.stderr.write(`[tools] ${line}\n`));
    process.stdout.write(`Temporal CLI   ${tools.temporalCli}\nTest server    ${tools.testServer}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof ToolchainMissingError ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

void main(process.argv[2]);
