import type { ClusterStatus, LbStatus } from '../measure/status.js';
import { serverUp } from '../measure/haproxy-stat.js';
import type { ServerState } from '../measure/haproxy-stat.js';
import { escapeXml as esc } from '../measure/timeline-svg.js';

/**
 * The topology as an SVG: the VIP and its holder, the LBs (keepalived, HAProxy), HAProxy's view of each master as
 * lines from every LB, the masters (apiserver /readyz, etcd member), the workers. Pure: the hosts and the last
 * `status` look in, text out. Every state is written in words as well as colour, and each box is a
 * `<g class="host" data-host="…" data-state="…">` so that readers (and the tests) can find them.
 */

export interface TopologyHost {
  name: string;
  address: string;
}

export interface TopologyInput {
  vip: string;
  port: number;
  lbs: readonly TopologyHost[];
  masters: readonly TopologyHost[];
  workers: readonly TopologyHost[];
  /** The last look; undefined before the first one (states drawn as unknown). */
  status: ClusterStatus | undefined;
}

const W = 1000;
const BOX_W = 190;
const GOOD = '#1b7f3b';
const BAD = '#b3261e';
const WARN = '#8a5a00';
const UNKNOWN = '#5f6368';
const FILL = { good: '#e6f4ea', bad: '#fce8e6', warn: '#fef7e0', unknown: '#f1f3f4' } as const;

type Health = keyof typeof FILL;

const colorOf = (h: Health): string => (h === 'good' ? GOOD : h === 'bad' ? BAD : h === 'warn' ? WARN : UNKNOWN);

/** A text cut to fit a box, with an ellipsis (the box's title holds the whole text). */
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** x of the i-th of n boxes, centred. */
function xs(n: number): number[] {
  const gap = Math.min(60, n > 1 ? (W - 40 - n * BOX_W) / (n - 1) : 0);
  const total = n * BOX_W + (n - 1) * Math.max(gap, 10);
  const start = (W - total) / 2;
  return Array.from({ length: n }, (_, i) => start + i * (BOX_W + Math.max(gap, 10)));
}

function box(kind: string, host: TopologyHost, x: number, y: number, h: number, health: Health, lines: readonly string[], label: string): string {
  const out = [`<g class="host ${kind}" data-host="${esc(host.name)}" data-state="${health}" role="listitem" aria-label="${esc(label)}">`];
  out.push(`<title>${esc(label)}</title>`);
  out.push(`<rect x="${x}" y="${y}" width="${BOX_W}" height="${h}" rx="6" fill="${FILL[health]}" stroke="${colorOf(health)}" stroke-width="2"/>`);
  out.push(`<text x="${x + 10}" y="${y + 18}" font-weight="bold" fill="#202124">${esc(host.name)}</text>`);
  out.push(`<text x="${x + BOX_W - 10}" y="${y + 18}" text-anchor="end" fill="#3c4043">${esc(host.address)}</text>`);
  lines.forEach((l, i) => out.push(`<text x="${x + 10}" y="${y + 36 + i * 16}" fill="#202124">${esc(l)}</text>`));
  out.push('</g>');
  return out.join('');
}

function lbHealth(l: LbStatus | undefined): Health {
  if (!l) return 'unknown';
  if (!l.reachable) return 'bad';
  if (l.keepalived !== 'active' || l.haproxy !== 'active' || l.vrrpState === 'FAULT') return l.keepalived === 'unknown' && l.haproxy === 'unknown' ? 'unknown' : 'bad';
  if ((l.servers ?? []).some((s) => !serverUp(s))) return 'warn';
  return 'good';
}

/** HAProxy's server for a master: by name, else by address. */
export function serverFor(l: LbStatus | undefined, m: TopologyHost): ServerState | undefined {
  return l?.servers?.find((s) => s.server === m.name) ?? l?.servers?.find((s) => s.address.split(':')[0] === m.address);
}

/** The VIP holder(s) in words: `lb0`, `nobody`, `lb0 and lb1 (split brain)`, `unknown`. */
export function holderText(status: ClusterStatus | undefined): string {
  if (!status) return 'unknown (no look yet)';
  const holders = status.lbs.filter((l) => l.holdsVip).map((l) => l.host);
  if (holders.length === 0) return 'nobody';
  return holders.length > 1 ? `${holders.join(' and ')} (split brain)` : holders[0]!;
}

export function topologySvg(t: TopologyInput): string {
  const s = t.status;
  const lbY = 110;
  const lbH = 78;
  const mY = 300;
  const mH = 78;
  const wY = 450;
  const wH = 42;
  const H = t.workers.length > 0 ? wY + wH + 20 : mY + mH + 20;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="topo-title topo-desc" font-family="system-ui, sans-serif" font-size="13">`,
  );
  const holders = s?.lbs.filter((l) => l.holdsVip).map((l) => l.host) ?? [];
  out.push(`<title id="topo-title">Topology of the control plane</title>`);
  out.push(`<desc id="topo-desc">${esc(`VIP ${t.vip}:${t.port} held by ${holderText(s)}. ${s ? `Verdict: ${s.verdict.state}.` : ''}`)}</desc>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  // The VIP.
  const vipX = W / 2;
  const vipHealth: Health = !s ? 'unknown' : holders.length === 1 ? 'good' : 'bad';
  const lbXs = xs(t.lbs.length);
  const mXs = xs(t.masters.length);
  // Lines first, boxes over them.
  t.lbs.forEach((lb, i) => {
    const holds = holders.includes(lb.name);
    out.push(
      `<line class="vip-link" data-host="${esc(lb.name)}" x1="${vipX}" y1="62" x2="${lbXs[i]! + BOX_W / 2}" y2="${lbY}" stroke="${holds ? GOOD : '#9aa0a6'}" stroke-width="${holds ? 4 : 1.5}"${holds ? '' : ' stroke-dasharray="6 5"'}/>`,
    );
    const l = s?.lbs.find((x) => x.host === lb.name);
    t.masters.forEach((m, j) => {
      const sv = serverFor(l, m);
      const up = sv ? serverUp(sv) : undefined;
      const color = up === undefined ? '#c4c7c5' : up ? GOOD : BAD;
      out.push(
        `<line class="backend" data-lb="${esc(lb.name)}" data-server="${esc(m.name)}" data-status="${esc(sv?.status ?? 'unknown')}" x1="${lbXs[i]! + BOX_W / 2}" y1="${lbY + lbH}" x2="${mXs[j]! + BOX_W / 2}" y2="${mY}" stroke="${color}" stroke-width="${up ? 2 : 1.5}"${up === false ? ' stroke-dasharray="4 4"' : ''}><title>${esc(`${lb.name} sees ${m.name} ${sv ? `${sv.status}${sv.checkStatus ? ` (${sv.checkStatus})` : ''}` : 'unknown'}`)}</title></line>`,
      );
    });
  });
  out.push(
    `<g class="vip" data-holder="${esc(holders.join(','))}" data-state="${vipHealth}"><title>${esc(`VIP ${t.vip} held by ${holderText(s)}`)}</title><rect x="${vipX - 150}" y="14" width="300" height="48" rx="24" fill="${FILL[vipHealth]}" stroke="${colorOf(vipHealth)}" stroke-width="2"/>`,
    `<text x="${vipX}" y="34" text-anchor="middle" font-weight="bold" fill="#202124">VIP ${esc(`${t.vip}:${t.port}`)}</text>`,
    `<text x="${vipX}" y="52" text-anchor="middle" fill="#202124">held by ${esc(holderText(s))}</text></g>`,
  );
  t.lbs.forEach((lb, i) => {
    const l = s?.lbs.find((x) => x.host === lb.name);
    const h = lbHealth(l);
    const lines = !l
      ? ['state unknown']
      : !l.reachable
        ? ['unreachable', cut(l.error ?? '', 24)]
        : [`keepalived ${l.keepalived}${l.vrrpState ? ` ${l.vrrpState}` : ''}`, `haproxy ${l.haproxy}${l.servers ? `: ${l.servers.filter(serverUp).length}/${l.servers.length} up` : ''}`, l.holdsVip ? 'holds the VIP' : ''];
    const label = l && !l.reachable ? `unreachable${l.error ? ` (${l.error})` : ''}` : lines.filter((x) => x !== '').join(', ');
    out.push(box('lb', lb, lbXs[i]!, lbY, lbH, h, lines.filter((x) => x !== ''), `load balancer ${lb.name}: ${label}`));
  });
  t.masters.forEach((m, j) => {
    const r = s?.readyz.find((x) => x.target === m.name);
    const e = s?.etcd.members?.find((x) => x.name === m.name);
    const etcdText = e ? `etcd ${e.healthy ? 'healthy' : 'UNHEALTHY'}` : s?.etcd.state === 'skipped' ? 'etcd: not watched' : s ? 'etcd: no member' : 'etcd unknown';
    const apiText = r ? `apiserver ${r.ok ? 'ready' : cut(`FAIL ${r.detail}`, 14)}` : 'apiserver unknown';
    const h: Health = !r ? 'unknown' : !r.ok || (e && !e.healthy) ? 'bad' : 'good';
    out.push(box('master', m, mXs[j]!, mY, mH, h, [apiText, etcdText], `master ${m.name}: ${r ? `apiserver ${r.ok ? 'ready' : `FAIL ${r.detail}`}` : 'apiserver unknown'}, ${etcdText}`));
  });
  if (t.workers.length > 0) {
    const wXs = xs(t.workers.length);
    t.workers.forEach((w, k) => out.push(box('worker', w, wXs[k]!, wY, wH, 'unknown', [], `worker ${w.name} (reaches the API through the VIP)`)));
    out.push(`<text x="12" y="${wY - 8}" fill="#3c4043">workers (reach the API through the VIP)</text>`);
  }
  out.push(`<text x="12" y="${lbY - 8}" fill="#3c4043">load balancers</text>`, `<text x="12" y="${mY - 8}" fill="#3c4043">masters (lines: HAProxy's view of each apiserver)</text>`);
  out.push('</svg>');
  return out.join('\n');
}
