import type { TrackFile, TrackProcess, VrrpScript } from '../../model/types.js';
import { refOf } from '../sink.js';
import type { KeepalivedContext } from './context.js';
import type { KaNode } from './structure.js';
import { KEEPALIVED_DEFAULTS } from './defaults.js';

// The trackers instances refer to: `vrrp_script` (polled), `track_process` and `track_file` (event-driven).

/** `vrrp_script NAME { script; interval; timeout; weight; fall; rise; user; init_fail }` */
export function vrrpScript(ctx: KeepalivedContext, b: KaNode): void {
  const name = ctx.nameOf(b);
  const body = ctx.blockOf(b, 'vrrp_script <name>');
  if (!name) return;
  const s: VrrpScript = {
    name: name.value,
    script: '',
    intervalS: KEEPALIVED_DEFAULTS.scriptIntervalS,
    weight: KEEPALIVED_DEFAULTS.scriptWeight,
    weightReverse: false,
    fall: KEEPALIVED_DEFAULTS.scriptFall,
    rise: KEEPALIVED_DEFAULTS.scriptRise,
    at: refOf(b.file, b.key),
  };
  let hasScript = false;
  for (const n of body) {
    switch (n.key.value) {
      case 'script': {
        if (!ctx.arg(n)) break;
        // An unquoted script is the words of the line joined; a quoted one is taken as is.
        s.script = n.args.map((t) => t.value).join(' ');
        hasScript = true;
        break;
      }
      case 'interval': {
        const v = ctx.decimal(n, 0.000001, 2 ** 31);
        if (v !== undefined) s.intervalS = v;
        break;
      }
      case 'timeout': {
        const v = ctx.decimal(n, 0.000001, 2 ** 31);
        if (v !== undefined) s.timeoutS = v;
        break;
      }
      case 'weight': {
        const w = ctx.weightArgs(n, 0, -253, 253);
        if (w.weight !== undefined) s.weight = w.weight;
        s.weightReverse = w.reverse;
        if (!n.args[0]) ctx.arg(n);
        break;
      }
      case 'fall':
      case 'rise': {
        const v = ctx.int(n, 1, 2 ** 31);
        if (v !== undefined && n.key.value === 'fall') s.fall = v;
        else if (v !== undefined) s.rise = v;
        break;
      }
      case 'user': {
        const t = ctx.arg(n);
        if (t) s.user = t.value;
        break;
      }
      case 'init_fail':
        s.initFail = true;
        break;
      default:
        ctx.unknownKeyword(n, `vrrp_script ${s.name}`, ['script', 'interval', 'timeout', 'weight', 'fall', 'rise', 'user', 'init_fail']);
    }
  }
  if (!hasScript) {
    // keepalived drops such a script ("No script set … removing"): trackers naming it then track nothing.
    ctx.err('KA_SCRIPT_MISSING', `vrrp_script '${s.name}' has no 'script' line: keepalived removes it`, b, name, 'add script "<command>"');
    return;
  }
  if (ctx.config.scripts[s.name]) ctx.err('KA_DUPLICATE', `vrrp_script '${s.name}' is declared twice`, b, name);
  ctx.config.scripts[s.name] = s;
}

/** `track_process NAME { process; weight; quorum; delay; … }` (also spelled vrrp_track_process). */
export function trackProcess(ctx: KeepalivedContext, b: KaNode): void {
  const name = ctx.nameOf(b);
  const body = ctx.blockOf(b, 'track_process <name>');
  if (!name) return;
  const p: TrackProcess = { name: name.value, process: '', weight: KEEPALIVED_DEFAULTS.trackWeight, quorum: KEEPALIVED_DEFAULTS.quorum, at: refOf(b.file, b.key) };
  for (const n of body) {
    switch (n.key.value) {
      case 'process':
        if (ctx.arg(n)) p.process = n.args.map((t) => t.value).join(' ');
        break;
      case 'weight': {
        const w = ctx.weightArgs(n, 0, -254, 254);
        if (w.weight !== undefined) p.weight = w.weight;
        break;
      }
      case 'quorum': {
        const v = ctx.int(n, 0, 2 ** 31);
        if (v !== undefined) p.quorum = v;
        break;
      }
      case 'delay': {
        const v = ctx.decimal(n, 0, 2 ** 31);
        if (v !== undefined) p.delayS = v;
        break;
      }
      case 'quorum_max':
      case 'fork_delay':
      case 'terminate_delay':
      case 'full_command':
      case 'param_match':
        break;
      default:
        ctx.unknownKeyword(n, `track_process ${p.name}`, ['process', 'weight', 'quorum', 'quorum_max', 'delay', 'fork_delay', 'terminate_delay', 'full_command', 'param_match']);
    }
  }
  if (p.process === '') ctx.err('KA_PROCESS_MISSING', `track_process '${p.name}' has no 'process' line`, b, name);
  ctx.config.processes[p.name] = p;
}

/** `track_file NAME { file; weight [reverse]; init_file [VALUE] [overwrite] }` (also spelled vrrp_track_file). */
export function trackFile(ctx: KeepalivedContext, b: KaNode): void {
  const name = ctx.nameOf(b);
  const body = ctx.blockOf(b, 'track_file <name>');
  if (!name) return;
  const f: TrackFile = { name: name.value, file: '', weight: KEEPALIVED_DEFAULTS.trackWeight, at: refOf(b.file, b.key) };
  for (const n of body) {
    if (n.key.value === 'file') {
      const t = ctx.arg(n);
      if (t) f.file = t.value;
    } else if (n.key.value === 'weight') {
      const w = ctx.weightArgs(n, 0, -2147483647, 2147483647);
      if (w.weight !== undefined) f.weight = w.weight;
      if (w.reverse) f.weightReverse = true;
    } else if (n.key.value === 'init_file') {
      // `init_file [VALUE] [overwrite]` (track_file.c track_file_init_handler): VALUE defaults to 0.
      const init = { value: 0, overwrite: false };
      for (const a of n.args) {
        if (a.value === 'overwrite') init.overwrite = true;
        else if (/^-?\d+$/.test(a.value)) init.value = Number(a.value);
      }
      f.init = init;
    } else ctx.unknownKeyword(n, `track_file ${f.name}`, ['file', 'weight', 'init_file']);
  }
  if (f.file === '') ctx.err('KA_FILE_MISSING_ARG', `track_file '${f.name}' has no 'file' line`, b, name);
  ctx.config.trackFiles[f.name] = f;
}
