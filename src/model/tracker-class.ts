/**
 * What a keepalived tracker really tests, read from its command line (and the script body when the mirror
 * has it), or from the unit hooks that write its track_file. The classification decides which failures move the VIP.
 */
import { frontendsOn } from './listeners.js';
import type { HaModel, KeepalivedConfig, ModelHost, TrackFile, UnitFileWrite, VrrpScript } from './types.js';

export type TrackerKind =
  /** pidof / pgrep / killall -0 / systemctl is-active / track_process haproxy: fails when HAProxy is gone. */
  | 'haproxy-process'
  /** A TCP connect or listening check on a local HAProxy frontend port. */
  | 'haproxy-port'
  /** An HTTP(S) request through a local HAProxy frontend: also fails when no backend is up. */
  | 'haproxy-url'
  /** A request to the apiserver on this host directly (not through HAProxy). */
  | 'apiserver-local'
  /** Cannot pass whatever happens. */
  | 'always-fails'
  /** Never fails in any simulated failure (e.g. a process we do not kill). */
  | 'always-passes'
  /** keepalived disables it (script not found); it has no effect. */
  | 'disabled'
  /** A track_file no simulated failure changes: its number counts the same in every scenario. */
  | 'static'
  /** Unrecognised: assumed to test that HAProxy runs. */
  | 'unknown';

export interface TrackerClass {
  kind: TrackerKind;
  /** One sentence: what it tests and why we think so. */
  detail: string;
  port?: number;
  /** HTTP path and whether a non-2xx status makes the command fail. */
  path?: string;
  failOnHttpError?: boolean;
  /**
   * A further check the script runs only while the host holds the VIP (`if ip addr | grep -q VIP; then curl
   * https://VIP:8443/ …; fi`, the kubeadm HA guide's check_apiserver.sh): it must pass too, on the holder only.
   */
  vipOnly?: TrackerClass;
}

/** Directories whose binaries we assume exist even though the mirror has no copy. */
const SYSTEM_DIRS = /^\/(usr\/)?(s)?bin\//;

/** The user a vrrp_script runs as (keepalived.conf(5): script_user / enable_script_security). */
export function scriptUser(host: ModelHost, ka: KeepalivedConfig, s: VrrpScript): string {
  if (s.user) return s.user.split(/[:\s]/)[0] ?? s.user;
  if (ka.scriptUser) return ka.scriptUser.split(/[:\s]/)[0] ?? ka.scriptUser;
  const passwd = host.files['/etc/passwd'];
  const hasDefault = passwd === undefined ? ka.enableScriptSecurity : /^keepalived_script:/m.test(passwd);
  return hasDefault ? 'keepalived_script' : 'root';
}

/** The executable a command line runs, without quotes. */
export function commandPath(script: string): string {
  const t = script.trim().replace(/^["']/, '');
  return t.split(/\s+/)[0]?.replace(/["']$/, '') ?? '';
}

/** The text to analyse: the command line plus the body of the script file when the mirror has it. */
export function scriptText(host: ModelHost, script: string): { text: string; missing: boolean; file?: string } {
  const path = commandPath(script);
  if (path.startsWith('/') && !SYSTEM_DIRS.test(path)) {
    const body = host.files[path];
    if (body === undefined) return { text: script, missing: true, file: path };
    return { text: `${script}\n${substituteVars(body)}`, missing: false, file: path };
  }
  // An interpreter running a script file: `bash /etc/keepalived/check.sh`.
  const arg = script.trim().split(/\s+/)[1]?.replace(/^["']|["']$/g, '');
  if (/(^|\/)(ba|da|z)?sh$/.test(path) && arg?.startsWith('/')) {
    const body = host.files[arg];
    if (body === undefined) return { text: script, missing: true, file: arg };
    return { text: `${script}\n${substituteVars(body)}`, missing: false, file: arg };
  }
  return { text: script, missing: false };
}

/** Replaces `$VAR` / `${VAR}` by values assigned in the script (`VAR=value`), so URLs and ports resolve. */
export function substituteVars(body: string): string {
  const vars = new Map<string, string>();
  for (const m of body.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=["']?([^"'\s;]*)["']?/gm)) vars.set(m[1] ?? '', m[2] ?? '');
  return body.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a?: string, b?: string) => vars.get(a ?? b ?? '') ?? all);
}

/** Classifies a vrrp_script for a host. */
export function classifyScript(model: HaModel, host: ModelHost, ka: KeepalivedConfig, s: VrrpScript): TrackerClass {
  const { text, missing, file } = scriptText(host, s.script);
  if (missing) return { kind: 'disabled', detail: `${file ?? s.script} is not on ${host.name}: keepalived disables the script ("Disabling track script ... since not found/accessible")` };
  const passwd = host.files['/etc/passwd'];
  if (ka.enableScriptSecurity && !s.user && !ka.scriptUser && passwd !== undefined && !/^keepalived_script:/m.test(passwd))
    return { kind: 'disabled', detail: `enable_script_security without script_user and no keepalived_script user on ${host.name}: keepalived cannot run the script ("Unable to set default user keepalived_script")` };
  const user = scriptUser(host, ka, s);
  // `if ip addr | grep -q X; then … fi`: the body runs only while the host holds address X (the VIP).
  const cond = /^\s*if\s+[^\n]*\bip\s+(?:-\S+\s+)*a(?:ddr(?:ess)?)?\b[^\n]*\|\s*grep\b[^\n]*?;?\s*then\b([\s\S]*?)^\s*fi\b/m.exec(text);
  if (cond) {
    const vipOnly = classifyText(host, cond[1] ?? '', user, '');
    const main = classifyText(host, text.replace(cond[0], ''), user, s.script);
    if (vipOnly.kind === 'unknown' || vipOnly.kind === 'always-passes') return main;
    const base = main.kind === 'unknown' ? { kind: 'always-passes' as const, detail: 'no unconditional check' } : main;
    return { ...base, detail: `${base.detail}; while holding the VIP also ${vipOnly.detail}`, vipOnly };
  }
  const pidof = pidofAsCommand(host, s.script);
  if (pidof) return pidof;
  return classifyText(host, text, user, s.script);
}

/*
 * keepalived runs a script's executable by its resolved path (realpath(), for script security; acassen/keepalived
 * #650). Where pidof is a symlink to killall5 (sysvinit-utils: Debian, Ubuntu; CentOS 7's sysvinit-tools), the
 * script runs killall5, which refuses a process name ("only one argument, a signal number, allowed") and exits 1:
 * `script "pidof haproxy"` fails on every host whatever HAProxy does. Measured with keepalived 2.2.7 on Debian 12.
 * Only the script's own command counts: a shell or a script file calling pidof runs it by its name, which works.
 * Decided only when the mirror has the host's /etc/os-release: another family (procps-ng's pidof is a binary of its
 * own) keeps pidof's meaning; without it the rule `track-pidof-killall5` warns and the simulation keeps pidof's
 * meaning, as on the distributions where it works.
 */
/** The host's /etc/os-release names Debian or Ubuntu (or a family like them); undefined when the mirror lacks it. */
export function pidofIsKillall5(host: ModelHost): boolean | undefined {
  const os = host.files['/etc/os-release'];
  if (os === undefined) return undefined;
  return /^(ID|ID_LIKE)=["']?[^\n]*\b(debian|ubuntu)\b/m.test(os);
}

/** `pidof …` as the script's own command: always-fails where pidof is killall5 (see above); undefined otherwise. */
export function pidofAsCommand(host: ModelHost, script: string): TrackerClass | undefined {
  if (!/(^|\/)pidof$/.test(commandPath(script))) return undefined;
  if (!pidofIsKillall5(host)) return undefined;
  return {
    kind: 'always-fails',
    detail: '`pidof` as the script\'s command: keepalived runs the resolved path, killall5 on Debian and Ubuntu, which exits 1 for a process name, so it always fails',
  };
}

/** Classifies the text of a check (the command line and script body, or one block of it). */
function classifyText(host: ModelHost, text: string, user: string, script: string): TrackerClass {
  const lower = text.toLowerCase();
  const names = /\bhaproxy\b/;

  const url = /\b(curl|wget)\b[^\n]*?(https?):\/\/(\[[^\]]+\]|[^/:\s'"]+)(?::(\d+))?(\/[^\s'"]*)?/.exec(text);
  if (url) {
    const scheme = url[2] ?? 'http';
    const port = url[4] ? Number(url[4]) : scheme === 'https' ? 443 : 80;
    const path = url[5] ?? '/';
    const tool = url[1] ?? 'curl';
    const line = text.split('\n').find((l) => l.includes(url[0])) ?? '';
    const failOnHttpError = tool === 'wget' || /\s(-[a-zA-Z]*f[a-zA-Z]*|--fail(-with-body)?)\b/.test(line);
    return portClass(host, port, `${tool} ${scheme}://…:${port}${path}`, path, failOnHttpError);
  }
  const nc = /\b(?:nc|ncat|netcat)\b[^\n]*?\s(-[a-z]*z[a-z]*)[^\n]*?\s(\S+)\s+(\d+)\b/.exec(text) ?? /\/dev\/tcp\/[^/\s]+\/(\d+)/.exec(text);
  if (nc) {
    const port = Number(nc[3] ?? nc[1]);
    return portClass(host, port, `a TCP connect to port ${port}`);
  }
  const listen = /\b(?:netstat|ss)\b[^\n]*\|\s*grep\s+(?:-\w+\s+)*["']?:?(\d+)/.exec(text);
  if (listen) {
    const port = Number(listen[1]);
    return portClass(host, port, `a listening-socket check for port ${port}`);
  }
  if (/\b(killall|kill)\s+-0\b/.test(lower) && names.test(lower)) {
    if (user !== 'root' && user !== 'haproxy')
      return {
        kind: 'always-fails',
        detail: `\`killall -0 haproxy\` runs as ${user}, which may not signal HAProxy's processes (EPERM): it always fails`,
      };
    return { kind: 'haproxy-process', detail: '`killall -0 haproxy`: fails when no HAProxy process exists' };
  }
  if (/\b(pidof|pgrep)\b/.test(lower) && names.test(lower)) return { kind: 'haproxy-process', detail: 'pidof/pgrep haproxy: fails when no HAProxy process exists' };
  if (/\bsystemctl\s+(is-active|status)\b/.test(lower) && names.test(lower)) return { kind: 'haproxy-process', detail: 'systemctl is-active haproxy' };
  if (/^\s*(\/usr)?(\/s?bin\/)?(true|:)\s*$/.test(script)) return { kind: 'always-passes', detail: 'always succeeds' };
  if (/^\s*(\/usr)?(\/s?bin\/)?false\s*$/.test(script)) return { kind: 'always-fails', detail: 'always fails' };
  return { kind: 'unknown', detail: `unrecognised script \`${script}\`: assumed to test that HAProxy runs` };
}

function portClass(host: ModelHost, port: number, what: string, path?: string, failOnHttpError?: boolean): TrackerClass {
  const base = { port, ...(path !== undefined ? { path } : {}), ...(failOnHttpError !== undefined ? { failOnHttpError } : {}) };
  if (host.haproxy && frontendsOn(host.haproxy, port).length > 0)
    return { kind: path !== undefined ? 'haproxy-url' : 'haproxy-port', detail: `${what} through the local HAProxy frontend`, ...base };
  if (host.apiserver?.port === port)
    return { kind: 'apiserver-local', detail: `${what}: the local apiserver, not HAProxy (fails on apiserver-down of ${host.name}, not on haproxy-down)`, ...base };
  return { kind: 'always-fails', detail: `${what}: nothing on ${host.name} listens on port ${port}, so it always fails`, ...base };
}

/**
 * The number keepalived reads from a track file: `strtol(buf, NULL, 0)` of its first 127 bytes (leading blanks, a
 * sign, 0x hex, 0 octal; text that is not a number reads as 0). A missing or empty file reads as 0 (track_file.c
 * process_track_file; a deleted file: "Treat as though the value is 0").
 */
export function trackFileNumber(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(0, 127));
  if (!m) return 0;
  const body = m[2] ?? '0';
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

/** The systemd unit that runs HAProxy. */
export function isHaproxyUnit(unit: string): boolean {
  return /^haproxy(@[^.]*)?\.service$/.test(unit);
}

/**
 * From a unit's main process dying to its ExecStopPost hook having written: systemd reaps the process and forks and
 * execs the hook; keepalived's inotify then sees the write at once. Measured with kubeha's own hook (2026-12-03,
 * three `haproxy-down` drills on the holder, load ≤ 1, this 2-core VM): the VIP moved 61–91 ms after HAProxy's death
 * with a 30 ms skew time, so 30–60 ms for the hook; `bench:ha` the same day, 49–103 ms.
 */
export const UNIT_STOP_HOOK_MS = 40;

/** A classified track_file: what it follows and the number keepalived reads while that passes and after it failed. */
export interface TrackFileClass {
  cls: TrackerClass;
  values: { passing: number; failing: number };
  /** Time from the failure to keepalived seeing the new number (the unit hook's run; inotify itself adds nothing). */
  detectMs: number;
}

function writtenValue(w: UnitFileWrite, haproxyActive: boolean): number | undefined {
  switch (w.content.kind) {
    case 'literal':
      return trackFileNumber(w.content.value);
    case 'deleted':
      return 0;
    case 'unit-state':
      // Units other than HAProxy are not failed by any simulated scenario: they are active.
      return trackFileNumber(!isHaproxyUnit(w.content.unit) || haproxyActive ? w.content.active : w.content.inactive);
    case 'unknown':
      return undefined;
  }
}

/**
 * What a track_file follows, from the unit hooks that write it (ModelHost.unitFileWrites):
 * - written by haproxy.service's stop hook (ExecStopPost runs after a stop, a crash or a kill): it follows HAProxy,
 *   and keepalived sees the change once the hook ran ({@link UNIT_STOP_HOOK_MS}; inotify, no polling interval);
 * - written by nobody (or by hooks no simulated failure runs): static. Its number is the mirror's copy of the file;
 *   without one, the `init_file` value keepalived writes at start-up when the file is absent; else 0 (a missing
 *   file reads as 0: track_file.c).
 * Boot order: other units' start hooks, then haproxy.service's, then keepalived.service's (it starts after HAProxy).
 */
export function classifyTrackFile(host: ModelHost, tf: TrackFile): TrackFileClass {
  const writes = (host.unitFileWrites ?? []).filter((w) => w.file === tf.file);
  const copy = host.files[tf.file];
  const base = copy !== undefined ? trackFileNumber(copy) : tf.init ? tf.init.value : 0;
  const baseWhy = copy !== undefined ? "the mirror's copy of the file" : tf.init ? `init_file ${tf.init.value}: the file is not in the mirror, keepalived creates it` : 'the file is not in the mirror and a missing file reads as 0';
  const apply = (ws: UnitFileWrite[], active: boolean, v: number): { v: number; unknown: UnitFileWrite[] } => {
    const unknown: UnitFileWrite[] = [];
    for (const w of ws) {
      const n = writtenValue(w, active);
      if (n === undefined) unknown.push(w);
      else v = n;
    }
    return { v, unknown };
  };
  const starts = (pred: (u: string) => boolean): UnitFileWrite[] => writes.filter((w) => w.on === 'start' && pred(w.unit));
  const other = (u: string): boolean => !isHaproxyUnit(u) && u !== 'keepalived.service';
  let up = apply(starts(other), true, base);
  up = apply(starts(isHaproxyUnit), true, up.v);
  up = apply(starts((u) => u === 'keepalived.service'), true, up.v);
  const stops = writes.filter((w) => w.on === 'stop' && isHaproxyUnit(w.unit));
  const down = apply(stops, false, up.v);
  const where = (ws: UnitFileWrite[]): string => [...new Set(ws.map((w) => `${w.unit} ${w.directive}`))].join(', ');
  const unknown = [...up.unknown, ...down.unknown];
  const unread = unknown.length > 0 ? `; kubeha cannot read what ${where(unknown)} writes (ignored)` : '';
  if (stops.length > 0 && down.v !== up.v)
    return {
      cls: { kind: 'haproxy-process', detail: `track_file ${tf.file}: ${where(stops)} writes ${down.v} when HAProxy stops or dies (${up.v} while it runs); keepalived sees it once systemd ran the hook (~${UNIT_STOP_HOOK_MS} ms, inotify)${unread}` },
      values: { passing: up.v, failing: down.v },
      detectMs: UNIT_STOP_HOOK_MS,
    };
  const why =
    writes.length === 0
      ? `no unit hook writes it; keepalived reads ${up.v} (${baseWhy})`
      : stops.length === 0
        ? `written by ${where(writes)}, but nothing writes it when HAProxy stops: it keeps ${up.v}`
        : `${where(stops)} writes the same number (${up.v}) HAProxy's start left`;
  return { cls: { kind: 'static', detail: `track_file ${tf.file}: ${why}${unread}` }, values: { passing: up.v, failing: up.v }, detectMs: 0 };
}
