/**
 * systemd unit files and drop-ins (systemd.unit(5), systemd.service(5)), read for one fact: which files a unit's
 * hooks write, and with what, so that the analysis knows what keepalived's `track_file` will read after HAProxy
 * starts or dies. Pure; only the `Exec*=` lines of `[Service]` are read, everything else is skipped.
 */
import type { SourceRef, UnitFileWrite } from '../model/types.js';

const EVENTS: Record<string, UnitFileWrite['on']> = {
  ExecStartPre: 'start',
  ExecStart: 'start',
  ExecStartPost: 'start',
  ExecReload: 'reload',
  ExecStop: 'stop',
  ExecStopPost: 'stop',
};
/** The order systemd runs them in, per event. */
const ORDER = ['ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost'];

interface ExecLine {
  directive: string;
  command: string;
  at: SourceRef;
}

/**
 * The `Exec*=` assignments of `[Service]` in a unit file and its drop-ins, applied in order (`files`: the unit file
 * first, then the drop-ins sorted by name, as systemd does). An empty assignment (`ExecReload=`) clears the list.
 */
export function execLines(files: readonly { path: string; text: string }[]): ExecLine[] {
  const lists = new Map<string, ExecLine[]>();
  for (const { path, text } of files) {
    let section = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let line = (lines[i] ?? '').replace(/\r$/, '');
      // A trailing backslash continues the line (systemd.syntax(7)).
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${(lines[++i] ?? '').replace(/\r$/, '').trimStart()}`;
      const t = line.trim();
      if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
      const sec = /^\[(.+)\]$/.exec(t);
      if (sec) {
        section = sec[1] ?? '';
        continue;
      }
      if (section !== 'Service') continue;
      const m = /^(Exec[A-Za-z]+)\s*=\s*(.*)$/.exec(t);
      if (!m || EVENTS[m[1] ?? ''] === undefined) continue;
      const directive = m[1] as string;
      const command = (m[2] ?? '').trim();
      if (command === '') {
        lists.set(directive, []);
        continue;
      }
      const list = lists.get(directive) ?? [];
      list.push({ directive, command, at: { file: path, line: start + 1, col: 1 } });
      lists.set(directive, list);
    }
  }
  return ORDER.flatMap((d) => lists.get(d) ?? []);
}

/** What a unit's hooks write, in the order systemd runs them. */
export function unitFileWrites(unit: string, files: readonly { path: string; text: string }[]): UnitFileWrite[] {
  const out: UnitFileWrite[] = [];
  for (const l of execLines(files)) {
    const on = EVENTS[l.directive] as UnitFileWrite['on'];
    for (const w of commandWrites(l.command)) out.push({ unit, on, directive: l.directive, ...w, at: l.at });
  }
  return out;
}

/** `-/bin/sh -c '…'` → the shell script (or the command itself when it is not `sh -c`). */
export function shellScript(command: string): string {
  // Prefixes: - (ignore failure), @ (argv0), : (no substitution), + and ! / !! (privileges).
  const cmd = command.replace(/^[-@:+!]+/, '').trim();
  const m = /^(?:\/usr)?(?:\/bin\/)?(?:ba|da)?sh\s+(?:-\w+\s+)*-c\s+(.*)$/s.exec(cmd);
  if (!m) return cmd;
  const arg = (m[1] ?? '').trim();
  if (arg.startsWith("'")) return arg.slice(1, arg.indexOf("'", 1) > 0 ? arg.indexOf("'", 1) : undefined);
  if (arg.startsWith('"')) {
    const end = arg.lastIndexOf('"');
    return arg.slice(1, end > 0 ? end : undefined).replace(/\\(["\\$`])/g, '$1');
  }
  return arg;
}

const unquote = (s: string): string => s.replace(/^(['"])(.*)\1$/s, '$2');

/** The files a command writes, and with what. Only the common shapes are understood; other writes are `unknown`. */
export function commandWrites(command: string): Pick<UnitFileWrite, 'file' | 'content'>[] {
  const script = shellScript(command);
  const out: Pick<UnitFileWrite, 'file' | 'content'>[] = [];
  // if systemctl is-active [--quiet] U; then echo A; else echo B; fi > F
  const cond =
    /\bif\s+(?:\/\S*\/)?systemctl\s+is-active\s+(?:(?:--quiet|-q)\s+)*([^\s;>]+)\s*(?:>\s*\/dev\/null\s*)?(?:2>&1\s*)?;\s*then\s+echo\s+(\S+?)\s*;\s*else\s+echo\s+(\S+?)\s*;\s*fi\s*>\s*(\S+)/.exec(script);
  let rest = script;
  if (cond) {
    out.push({ file: unquote(cond[4] ?? ''), content: { kind: 'unit-state', unit: unitName(unquote(cond[1] ?? '')), active: unquote(cond[2] ?? ''), inactive: unquote(cond[3] ?? '') } });
    rest = script.replace(cond[0], '');
  }
  for (const raw of rest.split(/;|&&|\|\||\n/)) {
    const c = raw.trim();
    if (c === '') continue;
    const rm = /^(?:\/usr)?(?:\/bin\/)?rm\s+(?:-\w+\s+)*(\/\S+)$/.exec(c);
    if (rm) {
      out.push({ file: unquote(rm[1] ?? ''), content: { kind: 'deleted' } });
      continue;
    }
    const redirect = /^(.*?)(?:^|\s|\d)>(?!>)\s*(\/\S+)$/.exec(c) ?? /^()>\s*(\/\S+)$/.exec(c);
    if (!redirect) continue;
    const file = unquote(redirect[2] ?? '');
    const what = (redirect[1] ?? '').trim();
    const echo = /^(?:\/usr)?(?:\/bin\/)?echo(\s+-n)?(?:\s+(.*))?$/.exec(what);
    const printf = /^(?:\/usr)?(?:\/bin\/)?printf\s+(.*)$/.exec(what);
    if (echo) out.push({ file, content: { kind: 'literal', value: unquote((echo[2] ?? '').trim()) } });
    else if (printf) out.push({ file, content: { kind: 'literal', value: unquote((printf[1] ?? '').trim()).replace(/\\n$/, '') } });
    else if (what === '' || what === ':' || what === 'true') out.push({ file, content: { kind: 'literal', value: '' } });
    else out.push({ file, content: { kind: 'unknown' } });
  }
  return out;
}

/** `haproxy` → `haproxy.service` (systemctl's default suffix). */
export function unitName(u: string): string {
  return /\.[a-z]+$/.test(u) ? u : `${u}.service`;
}
