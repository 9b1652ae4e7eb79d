/** How a YAML syntax error of eemeli/yaml reads to a user, for specs and imported files alike. */

/** A fix for each eemeli/yaml error code an imported YAML file may raise. */
export function yamlHint(code: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, never tabs';
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a mapping; remove or merge the duplicate';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation and the brackets/quotes on this line';
    default:
      return 'fix the YAML syntax at this position';
  }
}

/**
 * eemeli/yaml's message without the source it quotes ("Unexpected scalar token in YAML stream: \"P@ss\""):
 * the caret excerpt shows the place, and the quoted token may be a password.
 */
export function yamlMessage(message: string): string {
  // eemeli/yaml recurses per nesting level: thousands of [[[[ overflow the stack.
  if (/Maximum call stack size exceeded/.test(message)) return 'YAML syntax: the document is nested too deeply (thousands of levels of [ or {)';
  const first = message.split('\n')[0] ?? message;
  return `YAML syntax: ${first.replace(/ at line \d+, column \d+:?$/, '').replace(/:\s*(".*"|'.*'|`.*`)\s*$/, '')}`;
}
