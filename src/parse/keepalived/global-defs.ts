import { parseDecimal } from '../sink.js';
import type { KeepalivedContext } from './context.js';
import type { KaNode } from './structure.js';
import { GLOBAL_KNOWN } from './keywords.js';

/** `global_defs { … }`: router_id, script_user, enable_script_security, vrrp_strict, vrrp_version, vrrp_rt_priority are modelled. */
export function globalDefs(ctx: KeepalivedContext, g: KaNode): void {
  for (const n of ctx.blockOf(g, 'global_defs')) {
    switch (n.key.value) {
      case 'router_id': {
        const t = ctx.arg(n);
        if (t) ctx.config.routerId = t.value;
        break;
      }
      case 'script_user': {
        const t = ctx.arg(n);
        if (t) ctx.config.scriptUser = t.value;
        break;
      }
      case 'enable_script_security':
        ctx.config.enableScriptSecurity = true;
        break;
      case 'vrrp_strict':
        ctx.config.vrrpStrict = true;
        break;
      case 'vrrp_check_unicast_src':
        ctx.config.vrrpCheckUnicastSrc = true;
        break;
      case 'vrrp_rt_priority': {
        const v = ctx.int(n, 1, 99);
        if (v !== undefined) ctx.config.vrrpRtPriority = v;
        break;
      }
      case 'vrrp_version': {
        const v = ctx.int(n, 2, 3);
        if (v === 2 || v === 3) ctx.config.vrrpVersion = v;
        break;
      }
      case 'notification_email':
        ctx.unmodeled(n, 'global_defs');
        if (n.children && n.children.length === 0) {
          ctx.sink.warning('KA_EMPTY_BLOCK', 'empty notification_email block', n.file, n.key, 'keepalived warns about it (keepalived -t fails); remove the block or add an address');
        }
        break;
      case 'vrrp_garp_interval':
      case 'vrrp_gna_interval': {
        ctx.unmodeled(n, 'global_defs');
        const t = n.args[0];
        const v = t ? parseDecimal(t.value) : undefined;
        // keepalived 2.2.7 accepts 0.000001 to 4294.967295 and ignores other values with a warning.
        if (t && (v === undefined || v < 0.000001 || v > 4294.967295)) {
          ctx.sink.warning('KA_BAD_NUMBER', `${n.key.value} '${t.value}' is outside 0.000001..4294.967295: keepalived ignores it`, n.file, t, 'remove the line to keep the default (no delay)');
        }
        break;
      }
      default:
        if (GLOBAL_KNOWN.has(n.key.value)) ctx.unmodeled(n, 'global_defs');
        else ctx.unknownKeyword(n, 'global_defs', GLOBAL_KNOWN);
    }
  }
}
