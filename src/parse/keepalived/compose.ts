import { didYouMean } from '../../diag/diagnostic.js';
import { refOf } from '../sink.js';
import type { KeepalivedContext } from './context.js';
import { crossChecks } from './cross-checks.js';
import { globalDefs } from './global-defs.js';
import { instance } from './instance.js';
import { TOP_BLOCKS, TOP_KNOWN_UNMODELED } from './keywords.js';
import type { KaNode } from './structure.js';
import { syncGroup } from './sync-group.js';
import { trackFile, trackProcess, vrrpScript } from './trackers.js';

/** Stage 3: top-level blocks → model, each kind by its own module; then the checks across blocks. */
export function compose(ctx: KeepalivedContext, root: KaNode[]): void {
  const pendingInstances: KaNode[] = [];
  for (const n of root) {
    switch (n.key.value) {
      case 'global_defs':
        globalDefs(ctx, n);
        break;
      case 'vrrp_script':
        vrrpScript(ctx, n);
        break;
      case 'track_process':
      case 'vrrp_track_process':
        trackProcess(ctx, n);
        break;
      case 'track_file':
      case 'vrrp_track_file':
        trackFile(ctx, n);
        break;
      case 'vrrp_instance':
        pendingInstances.push(n);
        break;
      case 'vrrp_sync_group':
        syncGroup(ctx, n);
        break;
      default:
        if (TOP_KNOWN_UNMODELED.has(n.key.value)) ctx.unmodeled(n, 'the top level');
        else {
          const near = didYouMean(n.key.value, TOP_BLOCKS);
          if (near && n.children) {
            ctx.config.unknown.push({ keyword: n.key.value, section: 'the top level', at: refOf(n.file, n.key) });
            ctx.err('KA_UNKNOWN_SECTION', `unknown section '${n.key.value}': its whole block is ignored`, n, n.key, `did you mean '${near}'?`);
          } else ctx.unknownKeyword(n, 'the top level', TOP_BLOCKS);
        }
    }
  }
  // Instances last: they read the global vrrp_version and refer to scripts declared anywhere in the file.
  for (const n of pendingInstances) instance(ctx, n);
  crossChecks(ctx);
}
