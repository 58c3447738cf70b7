/**
 * Jest environment for suites that open PGlite. PGlite loads its WASM through a dynamic `import()`, which code
 * running inside jest's VM may only do when node runs with `--experimental-vm-modules`. This environment hands the
 * suite node's own `require` (outside the VM) so PGlite loads as it does in production. Use it with a docblock:
 *   /** @jest-environment ./test/store/pglite-environment.ts *\/
 */
import { TestEnvironment } from 'jest-environment-node';

export default class PgliteEnvironment extends TestEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    this.global.__APN_NODE_REQUIRE__ = require;
  }
}
