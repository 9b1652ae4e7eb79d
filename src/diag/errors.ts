import type { Diagnostic } from './diagnostic.js';

/**
 * The few error classes kubeha throws across layers. Each holds data; text is made in one place
 * (src/cli/report-error.ts). Core code prefers returning diagnostics; these are for the shell's boundaries.
 */

/** Bad input: one or more error diagnostics. Exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; '));
  }
}

/** Something on this machine or a host is missing or wrong (a tool, root, a package). Exit code 3. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly host?: string,
  ) {
    super(message);
  }
}

/** A remote (or local) command failed. */
export class RemoteCommandError extends Error {
  override readonly name = 'RemoteCommandError';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
    readonly signal?: string,
    readonly timedOut = false,
  ) {
    super(`${host}: command failed`);
  }
}
