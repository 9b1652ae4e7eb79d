import { boundedDidYouMean } from '../../diag/did-you-mean.js';
import type { TrackRef } from '../../model/types.js';
import type { KeepalivedContext } from './context.js';

/** Checks across blocks: script security, trackers and sync-group members that are not declared. */
export function crossChecks(ctx: KeepalivedContext): void {
  const c = ctx.config;
  // keepalived refuses (-t exits 6, "SECURITY VIOLATION") to run scripts as root unless enable_script_security is set.
  // Without script_user they run as keepalived_script if that user exists on the host, else as root: we cannot
  // see the host's users, so that case is reported too, naming the assumption.
  if (!c.enableScriptSecurity) {
    for (const s of Object.values(c.scripts)) {
      const user = s.user ?? c.scriptUser;
      if ((user === undefined || user === 'root') && s.at) {
        ctx.sink.warning(
          'KA_SCRIPT_SECURITY',
          `vrrp_script '${s.name}' runs as ${user ?? 'root (no script_user, unless a keepalived_script user exists)'} without enable_script_security`,
          s.at.file,
          { line: s.at.line, col: s.at.col ?? 1, length: 'vrrp_script'.length },
          'keepalived reports a SECURITY VIOLATION; add enable_script_security (and script_user) to global_defs',
        );
        break;
      }
    }
  }
  const suggest = boundedDidYouMean();
  const check = (refs: TrackRef[], known: Record<string, unknown>, what: string, inst: string): void => {
    for (const r of refs) {
      if (known[r.name] || !r.at) continue;
      const near = suggest(r.name, Object.keys(known));
      ctx.sink.warning('KA_UNKNOWN_TRACKER', `vrrp_instance '${inst}' tracks ${what} '${r.name}', which is not declared`, r.at.file, { line: r.at.line, col: r.at.col ?? 1, length: r.name.length }, near ? `did you mean '${near}'?` : `keepalived ignores an undeclared ${what}`);
    }
  };
  for (const i of c.instances) {
    check(i.trackScripts, c.scripts, 'vrrp_script', i.name);
    check(i.trackProcesses, c.processes, 'track_process', i.name);
    check(i.trackFiles, c.trackFiles, 'track_file', i.name);
  }
  for (const g of c.syncGroups ?? []) {
    for (const name of g.instances) {
      if (!c.instances.some((i) => i.name === name) && g.at) ctx.sink.warning('KA_UNKNOWN_INSTANCE', `vrrp_sync_group '${g.name}' names instance '${name}', which is not declared`, g.at.file, { line: g.at.line, col: g.at.col ?? 1 });
    }
  }
}
