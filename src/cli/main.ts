/** `apn` — the command-line face of the engine. Each sub-command lives in its own module under ./commands. */
import { Command } from 'commander';
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
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    process.exitCode = typeof code === 'number' ? code : 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('apn.js')) {
  void main(process.argv);
}
