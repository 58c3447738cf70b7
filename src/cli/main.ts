/** `apn` — the command-line face of the engine. Each sub-command lives in its own module under ./commands. */
import { Command } from 'commander';
import { registerReseller } from './commands/reseller';
import { registerBilling } from './commands/billing';
import { registerImport } from './commands/import';
import { registerScorecard } from './commands/scorecard';
import { registerSimulate } from './commands/simulate';
import { registerToken } from './commands/token';

export function buildProgram(): Command {
  const program = new Command('apn')
    .description('APN tier lifecycle engine: scorecards, simulations, dev API tokens and operator tools')
    .showHelpAfterError()
    .exitOverride();
  registerScorecard(program);
  registerSimulate(program);
  registerToken(program);
  registerReseller(program);
  registerBilling(program);
  registerImport(program);
  return program;
}

/**
 * Runs `apn` with `argv` (node, script, args…) and sets `process.exitCode`: 0, 2 for refused input (CONTRACT §2/§3),
 * commander's own code for usage errors. bin/apn.js calls this — the module never runs itself on import, so how the
 * executable was reached (`npx apn`, a `.bin` symlink, `node bin/apn.js`) does not matter.
 */
export async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    process.exitCode = typeof code === 'number' ? code : 1;
    // Commander has printed its own errors (usage, --help); anything else is a crash worth its stack.
    if (typeof code !== 'number') console.error(err);
  }
}

// `tsx src/cli/main.ts …` during development.
if (require.main === module) void run(process.argv);
