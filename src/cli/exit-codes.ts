/**
 * Exit codes, documented in README and `kubeha --help`.
 * Only src/cli/main.ts calls process.exit.
 */
export const ExitCode = {
  /** Success; for check/analyze: no error finding. */
  Ok: 0,
  /** The command ran, and found errors (check/analyze), or a step failed on a host (apply). */
  Findings: 1,
  /** Bad input: unreadable or invalid spec, file or arguments. Nothing was changed. */
  BadInput: 2,
  /** An environment problem: a missing tool or package, not root, a host unreachable. */
  Environment: 3,
  /** Interrupted (SIGINT/SIGTERM). */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
