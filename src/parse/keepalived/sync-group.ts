import type { VrrpSyncGroup } from '../../model/types.js';
import { refOf } from '../sink.js';
import type { KeepalivedContext } from './context.js';
import type { KaNode } from './structure.js';

/** `vrrp_sync_group NAME { group { … } track_script { … } }`: instances that change state together. */
export function syncGroup(ctx: KeepalivedContext, b: KaNode): void {
  const name = ctx.nameOf(b);
  const body = ctx.blockOf(b, 'vrrp_sync_group <name>');
  if (!name) return;
  const g: VrrpSyncGroup = { name: name.value, instances: [], trackScripts: [], at: refOf(b.file, b.key) };
  for (const n of body) {
    if (n.key.value === 'group') g.instances.push(...ctx.listItems(n).map((i) => i.key.value));
    else if (n.key.value === 'track_script') g.trackScripts.push(...ctx.trackRefs(n, -253, 253));
    else if (n.key.value === 'track_file') (g.trackFiles ??= []).push(...ctx.trackRefs(n, -254, 254));
    else if (n.key.value === 'sync_group_tracking_weight' || n.key.value === 'global_tracking') g.trackingWeight = true;
    else ctx.unmodeled(n, `vrrp_sync_group ${g.name}`);
  }
  (ctx.config.syncGroups ??= []).push(g);
}

