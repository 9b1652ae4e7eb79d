/** Whether a tracker passes in a World, from what it tests. */
import type { HaModel, ModelHost } from '../../model/types.js';
import { backendOf, frontendsOn } from '../../model/listeners.js';
import type { TrackerClass } from '../../model/tracker-class.js';
import { backendState } from '../reach.js';
import { apiserverUp, haproxyRunning, type World } from '../world.js';

/** Whether a classified tracker passes in world `w` (`holdsVip`: the host holds the VIP, for `vipOnly` parts). */
export function trackerPasses(model: HaModel, host: ModelHost, c: TrackerClass, w: World, holdsVip = false): boolean {
  if (c.vipOnly && holdsVip && !trackerPasses(model, host, c.vipOnly, w)) return false;
  switch (c.kind) {
    case 'haproxy-process':
    case 'unknown':
      return haproxyRunning(w, host);
    case 'haproxy-port':
      return haproxyRunning(w, host);
    case 'haproxy-url': {
      if (!haproxyRunning(w, host) || !host.haproxy || c.port === undefined) return false;
      if (c.failOnHttpError && c.path !== undefined && !/^\/(healthz|livez|readyz|version)\b/.test(c.path)) return false;
      const hit = frontendsOn(host.haproxy, c.port)[0];
      const be = hit ? backendOf(host, hit.fe) : undefined;
      return be ? backendState(model, w, host, be, { bindSsl: hit?.bind.ssl === true }).ok : false;
    }
    case 'apiserver-local':
      if (c.failOnHttpError && c.path !== undefined && !/^\/(healthz|livez|readyz|version)\b/.test(c.path)) return false;
      return apiserverUp(w, host);
    case 'always-fails':
      return false;
    case 'always-passes':
    case 'disabled':
    case 'static':
      return true;
  }
}
