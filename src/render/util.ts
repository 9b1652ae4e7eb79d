import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { hostsWithRole } from '../cluster-spec/types.js';

/** Milliseconds → the shortest exact HAProxy duration (`4h`, `90s`, `1500ms`). */
export function fmtDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** A number as keepalived and sysctl read it: no trailing zeros, no exponent (`0.2`, `1`). */
export function fmtNumber(n: number): string {
  return String(Number(n.toFixed(6)));
}

/** The first line of every generated file, in the comment syntax of that file. */
export function header(spec: ClusterSpec, host: string, comment = '#'): string {
  return `${comment} Rendered by kubeha for cluster "${spec.name}", host ${host}. Do not edit: \`kubeha apply\` replaces this file.`;
}

/**
 * The hosts that run keepalived + HAProxy: the `loadbalancer` hosts (mode keepalived-haproxy),
 * the control-plane hosts (mode stacked), nobody (mode external).
 */
export function lbHosts(spec: ClusterSpec): Host[] {
  switch (spec.loadBalancer.mode) {
    case 'keepalived-haproxy':
      return hostsWithRole(spec, 'loadbalancer');
    case 'stacked':
      return hostsWithRole(spec, 'control-plane');
    case 'external':
      return [];
  }
}

/** The kube-apiserver backends behind the load balancer. */
export function apiservers(spec: ClusterSpec): Host[] {
  return hostsWithRole(spec, 'control-plane');
}

/** Joins comment + setting lines, indented for a config section. */
export function block(indent: string, lines: (string | false | undefined)[]): string {
  return lines
    .filter((l): l is string => typeof l === 'string')
    .map((l) => (l === '' ? '' : `${indent}${l}`))
    .join('\n');
}

/**
 * Defence in depth behind the spec schema: a value interpolated into a config must be one token of that format.
 * keepalived.conf reads `{ } " # ! $` and whitespace as syntax; haproxy.cfg whitespace, `#`, quotes, `\` and `$`;
 * /etc/hosts whitespace and `#`. A value the schema let through that the format cannot hold is a bug, never a line.
 * @throws Error naming the value's role (never its content: it may be anything)
 */
export function token(value: string | number, what: string, format: 'keepalived' | 'haproxy' | 'hosts'): string {
  const s = String(value);
  const ok = format === 'haproxy' ? /^[A-Za-z0-9._~!&()*+,;=:@%/?-]{1,1024}$/ : /^[A-Za-z0-9._:/@-]{1,253}$/;
  if (!ok.test(s)) throw new Error(`refusing to render ${what} into ${format === 'hosts' ? '/etc/hosts' : format}: it holds characters that format cannot carry`);
  return s;
}
