import type { Diagnostic } from '../diag/diagnostic.js';
import { DiagnosticSink } from './sink.js';

/**
 * sysctl.conf(5) / sysctl.d(5): `key = value` lines, `#` and `;` comments, a leading `-` meaning "ignore errors",
 * keys written with `/` or `.` separators (normalised to dots). Later assignments win.
 */
export function parseSysctl(text: string, file: string): { values: Record<string, string>; diagnostics: Diagnostic[] } {
  const sink = new DiagnosticSink();
  sink.addFile(file, text);
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] ?? '').replace(/\r$/, '');
    const s = raw.trim();
    if (s === '' || s.startsWith('#') || s.startsWith(';')) continue;
    const eq = s.indexOf('=');
    if (eq < 0) {
      sink.warning('SYSCTL_BAD_LINE', `'${s}' is not a key = value line`, file, { line: n + 1, col: raw.indexOf(s) + 1, length: s.length }, 'write key = value');
      continue;
    }
    const key = s.slice(0, eq).trim().replace(/^-/, '').replace(/\//g, '.');
    if (key === '') {
      sink.warning('SYSCTL_BAD_LINE', 'missing key before =', file, { line: n + 1, col: raw.indexOf('=') + 1 });
      continue;
    }
    values[key] = s.slice(eq + 1).trim();
  }
  return { values, diagnostics: sink.diagnostics };
}

/** `/etc/hosts` lines: address followed by names. Returns name → addresses in file order. */
export function parseHostsFile(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const words = (line.split('#')[0] ?? '').trim().split(/\s+/).filter((w) => w !== '');
    const [addr, ...names] = words;
    if (!addr) continue;
    for (const n of names) out.set(n, [...(out.get(n) ?? []), addr]);
  }
  return out;
}

/** `KEY=value` / `export KEY="value"` lines of /etc/default/haproxy or /etc/sysconfig/haproxy. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] ?? '').trim();
    if (/^".*"$/.test(v) || /^'.*'$/.test(v)) v = v.slice(1, -1);
    env[m[1] as string] = v;
  }
  return env;
}
