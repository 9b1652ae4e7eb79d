/**
 * The last `lines` lines of a command's output, as errors keep it (`RemoteCommandError.stderrTail`) and
 * messages quote it. Capped at 4000 characters: one minified line can be longer than a screen.
 */
export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n').slice(-4000);
}
