import { Command, CommanderError, Help } from 'commander';
import { createRequire } from 'node:module';
import { describeError } from './report-error.js';
import { ExitCode } from './exit-codes.js';
import { COMMANDS, invokedCommand } from './commands.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

const EXIT_CODES_HELP = `
Exit codes:
  0    success (check/analyze: no error finding)
  1    findings of severity error, or a step failed on a host
  2    bad input (spec, file or arguments); nothing was changed
  3    environment problem (missing tool, not root, host unreachable)
  130  interrupted`;

/**
 * The program for these arguments: the command they run is loaded and registered for real, every other one as a
 * stub with its name and description only (enough for `kubeha --help` and did-you-mean), so that a run loads the
 * code of one command at most.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const stubTerms = new Map<Command, string>();
  const program = new Command('kubeha')
    .description('Highly available Kubernetes control planes from one declarative spec, and proof that they are.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    })
    .exitOverride();
  const wanted = invokedCommand(argv.slice(2));
  for (const entry of COMMANDS) {
    if (entry.name === wanted) (await entry.load())(program);
    else stubTerms.set(program.command(entry.name).description(entry.description), entry.term);
  }
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** The only function that exits the process. */
export async function runMain(argv: string[]): Promise<void> {
  let code: number = ExitCode.Ok;
  try {
    const program = await buildProgram(argv);
    const result: unknown = await program.parseAsync(argv);
    void result;
    code = process.exitCode !== undefined ? Number(process.exitCode) : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      code = err.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    } else {
      const { text, code: c } = describeError(err);
      if (text) process.stderr.write(text + '\n');
      code = c;
    }
  }
  // Let stdout drain (large JSON through a pipe) before exiting.
  await new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', resolve) : resolve()));
  process.exit(code);
}
