import type { Diagnostic } from '../../diag/diagnostic.js';
import type { KeepalivedConfig } from '../../model/types.js';
import type { FileSource } from '../file-source.js';
import { DiagnosticSink } from '../sink.js';
import { compose } from './compose.js';
import { KeepalivedContext } from './context.js';
import { Reader, type Line, type ParseKeepalivedOptions } from './reader.js';
import { structure } from './structure.js';

export { KEEPALIVED_DEFAULTS } from './defaults.js';
export type { ParseKeepalivedOptions } from './reader.js';
export type { KaNode } from './structure.js';

/**
 * keepalived.conf → KeepalivedConfig, following keepalived.conf(5) of keepalived 2.2.7, in three stages:
 * 1. lines (reader.ts): `include` (globs, relative to the including file, cycles reported), then `@id`/`@^id`
 *    conditional lines, `$NAME=value` definitions and `$NAME`/`${NAME}` substitution (substitution.ts), then words
 *    (lexer.ts: `#`/`!` comments, `"…"` strings, braces);
 * 2. structure (structure.ts): statements nested by `{ }` (a brace may open on the keyword's line or the next one);
 * 3. compose (compose.ts and one module per block kind): blocks → model with keepalived's defaults (defaults.ts).
 * Bad input never throws; every problem is a Diagnostic with a stable code (KA_*) and file:line:col.
 */
export interface ParsedKeepalived {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

export function parseKeepalived(fs: FileSource, path: string, opts: ParseKeepalivedOptions = {}): ParsedKeepalived {
  const sink = new DiagnosticSink();
  const config: KeepalivedConfig = {
    at: { file: path, line: 1 },
    enableScriptSecurity: false,
    vrrpStrict: false,
    scripts: {},
    processes: {},
    trackFiles: {},
    instances: [],
    unknown: [],
  };
  const text = fs.readFile(path);
  if (text === undefined) {
    sink.error('KA_FILE_MISSING', `cannot read ${path}`, path, undefined, 'check the path; the file must be a readable text file');
    return { config, diagnostics: sink.diagnostics };
  }
  const lines: Line[] = [];
  new Reader(fs, sink, opts, lines).readFile(path, text, []);
  const root = structure(lines, sink);
  compose(new KeepalivedContext(sink, config), root);
  return { config, diagnostics: sink.diagnostics };
}
