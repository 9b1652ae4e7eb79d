import { renderDiagnostics } from '../diag/render.js';
import { EnvironmentError, InputError, RemoteCommandError } from '../diag/errors.js';
import { ExitCode } from './exit-codes.js';

/** Turns any thrown value into (text for stderr, exit code). The only place errors become words. */
export function describeError(err: unknown): { text: string; code: ExitCode } {
  if (err instanceof InputError) return { text: renderDiagnostics(err.diagnostics), code: ExitCode.BadInput };
  if (err instanceof EnvironmentError) {
    const where = err.host ? `${err.host}: ` : '';
    return { text: `error: ${where}${err.message}${err.hint ? `\n  = hint: ${err.hint}` : ''}`, code: ExitCode.Environment };
  }
  if (err instanceof RemoteCommandError) return { text: describeRemote(err), code: ExitCode.Findings };
  if (isCommanderError(err)) return { text: '', code: ExitCode.BadInput };
  const message = err instanceof Error ? err.message : String(err);
  // Unexpected: a bug in kubeha. Show the message; the stack only with KUBEHA_DEBUG=1.
  const stack = process.env['KUBEHA_DEBUG'] && err instanceof Error ? `\n${err.stack ?? ''}` : '';
  return { text: `internal error: ${message}${stack}\n  = hint: this is a kubeha bug; rerun with KUBEHA_DEBUG=1 and report it`, code: ExitCode.Environment };
}

export function describeRemote(err: RemoteCommandError): string {
  const why = err.timedOut
    ? 'timed out'
    : err.signal
      ? `was killed by ${err.signal}`
      : err.exitCode === 127
        ? 'exited with 127 (command not found)'
        : err.exitCode === 126
          ? 'exited with 126 (not executable)'
          : `exited with ${err.exitCode ?? 'no code'}`;
  const tail = err.stderrTail.trim() ? `\n${indent(err.stderrTail.trim())}` : '';
  return `error: ${err.host}: command \`${err.command}\` ${why}${tail}`;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function isCommanderError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && String(err.code).startsWith('commander.');
}
