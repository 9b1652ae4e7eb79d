import type { Diagnostic } from '../../diag/diagnostic.js';
import type { HaproxyConfig } from '../../model/types.js';
import type { FileSource } from '../file-source.js';
import { DiagnosticSink } from '../sink.js';
import { HaproxyComposer } from './compose.js';
import { HaproxyContext } from './context.js';
import { lexHaproxy } from './lexer.js';

export { HAPROXY_VERSION } from './conditionals.js';
export { HAPROXY_DEFAULTS } from './servers.js';
export { parseHaproxyTime } from './timeouts.js';

/**
 * haproxy.cfg → HaproxyConfig, in three stages like eemeli/yaml: lex (lexer.ts: words with positions),
 * structure (lines grouped into sections, compose.ts), compose (sections → model: global.ts, proxy-lines.ts and the
 * modules it calls, with `defaults` inheritance in defaults.ts, named defaults and `from`, position-dependent
 * `default-server`). Semantics follow the HAProxy 2.6 configuration manual.
 * Bad input never throws; every problem is a Diagnostic with a stable code (HAP_*) and file:line:col.
 */
export interface ParseHaproxyOptions {
  /** Environment seen by HAProxy at start-up, for `"${VAR}"` expansion. */
  env?: Readonly<Record<string, string>>;
}

export interface ParsedHaproxy {
  config: HaproxyConfig;
  diagnostics: Diagnostic[];
}

export function parseHaproxy(fs: FileSource, path: string, opts: ParseHaproxyOptions = {}): ParsedHaproxy {
  const sink = new DiagnosticSink();
  const config: HaproxyConfig = { at: { file: path, line: 1 }, global: { statsSockets: [] }, frontends: [], backends: [], unknown: [] };
  const text = fs.readFile(path);
  if (text === undefined) {
    sink.error('HAP_FILE_MISSING', `cannot read ${path}`, path, undefined, 'check the path; the file must be a readable text file');
    return { config, diagnostics: sink.diagnostics };
  }
  sink.addFile(path, text);
  const lines = lexHaproxy(text, path, sink, { env: opts.env ?? {} });
  new HaproxyComposer(new HaproxyContext(path, sink, config), opts.env ?? {}).run(lines);
  return { config, diagnostics: sink.diagnostics };
}
