/** How a YAML syntax error of eemeli/yaml reads to a user, for specs and imported files alike. */

/** Fixes for the YAML errors people actually make, by eemeli/yaml's error code. */
const YAML_HINTS: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'YAML indents with spaces only: replace the tab with spaces (2 per level)',
  DUPLICATE_KEY: 'a key may appear once per mapping: remove or merge the second one',
  BAD_INDENT: 'check the indentation and that every [ and { is closed',
  MISSING_CHAR: 'check the indentation of this line against the line above, and that quotes are closed',
  BLOCK_AS_IMPLICIT_KEY: 'a value containing ": " must be quoted, or put the nested mapping on its own indented lines',
  BAD_DQ_ESCAPE: 'in "double quotes" a backslash starts an escape: use \'single quotes\' or write \\\\',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check for a missing ":" or a missing quote on the line above',
  UNEXPECTED_TOKEN: 'check the indentation and punctuation around this character',
};

/** The fix for an eemeli/yaml error code, in a spec or an imported file. */
export function yamlHint(code: string): string {
  return YAML_HINTS[code] ?? 'fix the YAML syntax at this position (indent with spaces, close quotes and brackets)';
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
