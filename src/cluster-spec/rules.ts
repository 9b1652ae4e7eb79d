import type { Code } from '../diag/catalog.js';
import { didYouMean, type Diagnostic, type Severity } from '../diag/diagnostic.js';
import { normaliseRole } from './defaults.js';
import { DNS_NAME, cidrsOverlap, formatCidr, inCidr, isIPv4, isNetworkOrBroadcast, notIPv4, parseCidr, slash24, type Cidr } from '../net/ipv4.js';
import type { SpecPath, Span } from './locate.js';
import { INTERFACE_NAME, ROLE_ALIASES, ROLES, type SpecInput } from './schema.js';
import type { ClusterSpec, Host } from './types.js';

/**
 * Stage 4 of loading a spec: small named rules over a schema-valid, defaulted spec (changesets'
 * config/rules.ts shape). Each rule pushes diagnostics with a stable code, the path of the offending
 * value (turned into file:line:col by the caller) and a hint. Pure.
 */

/** Turns a path of the spec into a source position (src/cluster-spec/locate.ts); absent for specs built in memory. */
export interface Locate {
  value(path: SpecPath): Span;
  key(path: SpecPath, key: string): Span;
}

export interface RuleReport {
  code: Code;
  severity: Severity;
  message: string;
  hint: string;
  /** The value the finding is about (the first of `paths` that the user wrote is used). */
  path: SpecPath | SpecPath[];
  host?: string;
  /** An error that `--force` (of check, plan, apply) turns into a warning: a choice that is unwise, not impossible. */
  forcible?: boolean;
}

export interface RuleOptions {
  /** `--force`: errors reported as `forcible` become warnings. */
  force?: boolean;
}

export interface RuleContext {
  input: SpecInput;
  spec: ClusterSpec;
  /** Whether the user wrote a value at `path` (as opposed to a default). */
  written: (path: SpecPath) => boolean;
  report: (r: RuleReport) => void;
}

export interface SpecRule {
  /** kebab-case name of the rule. */
  name: string;
  /** Every code it may emit. */
  codes: readonly Code[];
  check(ctx: RuleContext): void;
}

const isKeepalived = (spec: ClusterSpec): boolean => spec.loadBalancer.mode !== 'external';
const withRole = (spec: ClusterSpec, role: Host['roles'][number]): number[] =>
  spec.hosts.flatMap((h, i) => (h.roles.includes(role) ? [i] : []));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

// --- hosts -------------------------------------------------------------------------------------

/** Calls `found(i, j)` for every host i whose `key` an earlier host j already has. */
function forEachRepeat(hosts: readonly Host[], key: (h: Host) => string, found: (i: number, j: number) => void): void {
  const first = new Map<string, number>();
  hosts.forEach((h, i) => {
    const j = first.get(key(h));
    if (j === undefined) first.set(key(h), i);
    else found(i, j);
  });
}

export const duplicateHostNames: SpecRule = {
  name: 'duplicate-host-names',
  codes: ['SPEC_DUPLICATE_HOST_NAME'],
  check({ spec, report }) {
    forEachRepeat(spec.hosts, (h) => h.name, (i, j) => {
      const name = spec.hosts[i]?.name ?? '?';
      report({
        code: 'SPEC_DUPLICATE_HOST_NAME',
        severity: 'error',
        message: `host name "${name}" is used twice (hosts[${j}] and hosts[${i}])`,
        hint: 'give every host a unique name: configs, certificates and SSH state are keyed by it',
        path: ['hosts', i, 'name'],
        host: name,
      });
    });
  },
};

export const duplicateAddresses: SpecRule = {
  name: 'duplicate-addresses',
  codes: ['SPEC_DUPLICATE_ADDRESS'],
  check({ spec, report }) {
    forEachRepeat(spec.hosts, (h) => h.address, (i, j) => {
      const h = spec.hosts[i];
      report({
        code: 'SPEC_DUPLICATE_ADDRESS',
        severity: 'error',
        message: `address ${h?.address ?? '?'} of "${h?.name ?? '?'}" is also the address of "${spec.hosts[j]?.name ?? '?'}"`,
        hint: 'each host needs its own address; two hosts on one address are one machine, which is not HA',
        path: ['hosts', i, 'address'],
        ...(h ? { host: h.name } : {}),
      });
    });
  },
};

const ROLE_WORDS = [...ROLES, ...Object.keys(ROLE_ALIASES)];

export const unknownRoles: SpecRule = {
  name: 'unknown-roles',
  codes: ['SPEC_UNKNOWN_ROLE'],
  check({ input, report }) {
    input.hosts.forEach((h, i) =>
      h.roles.forEach((r, j) => {
        if (normaliseRole(r)) return;
        const guess = didYouMean(r, ROLE_WORDS);
        report({
          code: 'SPEC_UNKNOWN_ROLE',
          severity: 'error',
          message: `unknown role "${r}" on host "${h.name}"`,
          hint: guess ? `did you mean "${guess}"? roles are ${ROLES.join(', ')}` : `roles are ${ROLES.join(', ')} (aliases: master, lb, node)`,
          path: ['hosts', i, 'roles', j],
          host: h.name,
        });
      }),
    );
  },
};

export const hostsWithoutRole: SpecRule = {
  name: 'hosts-without-role',
  codes: ['SPEC_HOST_WITHOUT_ROLE'],
  check({ input, report }) {
    input.hosts.forEach((h, i) => {
      if (h.roles.length > 0) return;
      report({
        code: 'SPEC_HOST_WITHOUT_ROLE',
        severity: 'error',
        message: `host "${h.name}" has no role, so kubeha would do nothing with it`,
        hint: `give it at least one of ${ROLES.join(', ')}, or remove the host`,
        path: ['hosts', i, 'roles'],
        host: h.name,
      });
    });
  },
};

export const noControlPlane: SpecRule = {
  name: 'no-control-plane',
  codes: ['SPEC_NO_CONTROL_PLANE'],
  check({ spec, report }) {
    if (withRole(spec, 'control-plane').length > 0) return;
    report({
      code: 'SPEC_NO_CONTROL_PLANE',
      severity: 'error',
      message: 'no host has the role control-plane: there is no apiserver behind the load balancer',
      hint: 'give three hosts the roles [control-plane, etcd] (three, so that etcd keeps quorum when one fails)',
      path: ['hosts'],
    });
  },
};

// --- addresses ---------------------------------------------------------------------------------

function addressProblem(value: string): string | undefined {
  if (!isIPv4(value)) return undefined;
  if (/^0\./.test(value)) return 'is in 0.0.0.0/8 ("this network"), not a host address';
  if (/^127\./.test(value)) return 'is a loopback address: other hosts cannot reach it';
  const first = Number(value.split('.')[0]);
  if (first >= 224 && first <= 239) return 'is a multicast address';
  if (first >= 240) return 'is reserved (240.0.0.0/4) or broadcast';
  return undefined;
}

export const invalidAddresses: SpecRule = {
  name: 'invalid-addresses',
  codes: ['SPEC_BAD_IPV4', 'SPEC_UNUSABLE_ADDRESS'],
  check({ input, report }) {
    const check = (value: string | undefined, path: SpecPath, what: string, host?: string): void => {
      if (value === undefined) return;
      if (!isIPv4(value)) {
        const why = notIPv4(value);
        report({
          code: 'SPEC_BAD_IPV4',
          severity: 'error',
          message: `${what} "${value}" ${why.what}`,
          hint: why.hint,
          path,
          ...(host !== undefined ? { host } : {}),
        });
        return;
      }
      const problem = addressProblem(value);
      if (problem)
        report({
          code: 'SPEC_UNUSABLE_ADDRESS',
          severity: 'error',
          message: `${what} ${value} ${problem}`,
          hint: 'use the address of the host on the network the cluster shares',
          path,
          ...(host !== undefined ? { host } : {}),
        });
    };
    input.hosts.forEach((h, i) => check(h.address, ['hosts', i, 'address'], `address of host "${h.name}"`, h.name));
    check(input.loadBalancer.vip, ['loadBalancer', 'vip'], 'loadBalancer.vip');
    check(input.controlPlane?.endpoint?.address, ['controlPlane', 'endpoint', 'address'], 'controlPlane.endpoint.address');
  },
};

export const invalidNames: SpecRule = {
  name: 'invalid-names',
  codes: ['SPEC_BAD_DOMAIN', 'SPEC_BAD_SAN', 'SPEC_BAD_INTERFACE'],
  check({ input, report }) {
    const domain = input.controlPlane?.endpoint?.domain;
    // No trailing dot: /etc/hosts and kubeconfigs name the endpoint without it, and "api.x." does not match "api.x".
    if (domain !== undefined && (!DNS_NAME.test(domain) || isIPv4(domain) || domain.endsWith('.')))
      report({
        code: 'SPEC_BAD_DOMAIN',
        severity: 'error',
        message: `controlPlane.endpoint.domain "${domain}" is not a DNS name${domain.endsWith('.') && DNS_NAME.test(domain) ? ' kubeha can write (a trailing dot)' : ''}`,
        hint: isIPv4(domain) ? 'an address goes in controlPlane.endpoint.address' : domain.endsWith('.') ? `write it without the trailing dot: ${domain.replace(/\.+$/, '')}` : 'write a DNS name such as api.cluster.local',
        path: ['controlPlane', 'endpoint', 'domain'],
      });
    (input.controlPlane?.certSANs ?? []).forEach((san, i) => {
      if (isIPv4(san) || (DNS_NAME.test(san) && !/^[\d.]+$/.test(san)) || /^\*\.[a-z0-9.-]+$/i.test(san)) return;
      report({
        code: 'SPEC_BAD_SAN',
        severity: 'error',
        message: `certificate SAN "${san}" is neither an IPv4 address nor a DNS name`,
        hint: 'write an address (10.77.0.10) or a DNS name (api.example.com)',
        path: ['controlPlane', 'certSANs', i],
      });
    });
    // Linux takes any 1-15 bytes but "/", ":" and whitespace; keepalived.conf reads "{", "}", "#", "!", quotes and "$"
    // as syntax, so the name is held to what both accept as one token.
    const badIface = (name: string): boolean => !INTERFACE_NAME.test(name);
    const ifaceHint = 'a Linux interface name has 1-15 letters, digits, "_", "." and "-" (e.g. eth0, ens192, bond0.100), no spaces, braces, quotes or ":"';
    const lbIface = input.loadBalancer.interface;
    if (lbIface !== undefined && badIface(lbIface))
      report({ code: 'SPEC_BAD_INTERFACE', severity: 'error', message: `interface "${lbIface}" is not a valid Linux interface name`, hint: ifaceHint, path: ['loadBalancer', 'interface'] });
    input.hosts.forEach((h, i) => {
      if (h.interface !== undefined && badIface(h.interface))
        report({
          code: 'SPEC_BAD_INTERFACE',
          severity: 'error',
          message: `interface "${h.interface}" of host "${h.name}" is not a valid Linux interface name`,
          hint: ifaceHint,
          path: ['hosts', i, 'interface'],
          host: h.name,
        });
    });
  },
};

export const invalidCidrs: SpecRule = {
  name: 'invalid-cidrs',
  codes: ['SPEC_BAD_CIDR', 'SPEC_CIDR_OVERLAP'],
  check({ input, spec, report }) {
    const good: { name: string; cidr: Cidr; path: SpecPath }[] = [];
    const fields = [
      ['podCIDR', spec.network.podCIDR],
      ['serviceCIDR', spec.network.serviceCIDR],
      ['hostCIDR', spec.network.hostCIDR],
    ] as const;
    for (const [field, value] of fields) {
      if (value === undefined) continue;
      const path = ['network', field];
      const c = parseCidr(value);
      if (!c) {
        report({
          code: 'SPEC_BAD_CIDR',
          severity: 'error',
          message: `network.${field} "${value}" is not an IPv4 CIDR`,
          hint: isIPv4(value) ? `add the prefix length, e.g. ${value}/16` : 'write network/prefix, e.g. 10.244.0.0/16 (prefix 0-32)',
          path,
        });
      } else if (c.hostBitsSet) {
        report({
          code: 'SPEC_BAD_CIDR',
          severity: 'error',
          message: `network.${field} "${value}" has host bits set`,
          hint: `the network of that prefix is ${formatCidr(c)}: write that`,
          path,
        });
      } else {
        good.push({ name: field, cidr: c, path });
      }
    }
    const pod = good.find((g) => g.name === 'podCIDR');
    const svc = good.find((g) => g.name === 'serviceCIDR');
    if (pod && svc && cidrsOverlap(pod.cidr, svc.cidr))
      report({
        code: 'SPEC_CIDR_OVERLAP',
        severity: 'error',
        message: `network.podCIDR ${formatCidr(pod.cidr)} and network.serviceCIDR ${formatCidr(svc.cidr)} overlap`,
        hint: 'pod and service ranges must be disjoint, e.g. 10.244.0.0/16 and 10.96.0.0/12',
        path: [svc.path, pod.path],
      });
    const hostNet = good.find((g) => g.name === 'hostCIDR');
    for (const range of [pod, svc]) {
      if (!range) continue;
      if (hostNet && cidrsOverlap(hostNet.cidr, range.cidr))
        report({
          code: 'SPEC_CIDR_OVERLAP',
          severity: 'error',
          message: `network.${range.name} ${formatCidr(range.cidr)} overlaps network.hostCIDR ${formatCidr(hostNet.cidr)}`,
          hint: `pick a ${range.name} outside the hosts' network`,
          path: [range.path],
        });
      const vip = spec.loadBalancer.vip;
      if (isIPv4(vip) && inCidr(vip, range.cidr))
        report({
          code: 'SPEC_CIDR_OVERLAP',
          severity: 'error',
          message: `loadBalancer.vip ${vip} lies inside network.${range.name} ${formatCidr(range.cidr)}`,
          hint: `pick a ${range.name} that does not contain the VIP, or nodes route VIP traffic into the cluster network`,
          // A defaulted range is not in the file: then the error points at the VIP.
          path: [range.path, ['loadBalancer', 'vip']],
        });
      const i = input.hosts.findIndex((h) => isIPv4(h.address) && inCidr(h.address, range.cidr));
      const h = input.hosts[i];
      if (!h) continue;
      report({
        code: 'SPEC_CIDR_OVERLAP',
        severity: 'error',
        message: `host "${h.name}" (${h.address}) lies inside network.${range.name} ${formatCidr(range.cidr)}`,
        hint: `pick a ${range.name} that does not contain any host address, or traffic to the host is routed into the cluster network`,
        path: [range.path, ['hosts', i, 'address']],
        host: h.name,
      });
    }
  },
};

// --- load balancer -----------------------------------------------------------------------------

export const vipRequired: SpecRule = {
  name: 'vip-required',
  codes: ['SPEC_VIP_REQUIRED'],
  check({ input, report }) {
    if (input.loadBalancer.vip !== undefined) return;
    const external = input.loadBalancer.mode === 'external';
    report({
      code: 'SPEC_VIP_REQUIRED',
      severity: 'error',
      message: external
        ? 'loadBalancer.mode external needs loadBalancer.vip: the address of the external load balancer'
        : `loadBalancer.mode ${input.loadBalancer.mode} needs loadBalancer.vip: the floating address keepalived moves between the LB hosts`,
      hint: external ? 'set loadBalancer.vip to the address your cloud or hardware LB listens on' : 'set loadBalancer.vip to a free address in the LB hosts\' subnet, e.g. 10.77.0.10',
      path: ['loadBalancer'],
    });
  },
};

export const vipIsHostAddress: SpecRule = {
  name: 'vip-is-host-address',
  codes: ['SPEC_VIP_IS_HOST_ADDRESS'],
  check({ spec, report }) {
    const vip = spec.loadBalancer.vip;
    const h = spec.hosts.find((x) => x.address === vip);
    if (!vip || !h) return;
    const external = !isKeepalived(spec);
    report({
      code: 'SPEC_VIP_IS_HOST_ADDRESS',
      // External: an imported cluster whose endpoint is one master; not HA but a fact, not a contradiction.
      severity: external ? 'warning' : 'error',
      message: external
        ? `loadBalancer.vip ${vip} is the address of host "${h.name}": clients reach that host directly, a single point of failure`
        : `loadBalancer.vip ${vip} is also the address of host "${h.name}": keepalived would add and remove a host's own address`,
      hint: external ? 'put a real load balancer in front of the control-plane hosts and use its address' : 'pick a free address in the same subnet for the VIP',
      path: ['loadBalancer', 'vip'],
      host: h.name,
    });
  },
};

/** Hosts that run keepalived + HAProxy (stacked: the control-plane hosts, which defaults gave the role). */
function lbIndexes(spec: ClusterSpec): number[] {
  return isKeepalived(spec) ? withRole(spec, 'loadbalancer') : [];
}

export const vipOutsideSubnet: SpecRule = {
  name: 'vip-outside-subnet',
  codes: ['SPEC_VIP_OUTSIDE_SUBNET', 'SPEC_LB_HOST_OUTSIDE_SUBNET'],
  check({ spec, report }) {
    const vip = spec.loadBalancer.vip;
    if (!isKeepalived(spec) || !isIPv4(vip)) return;
    const given = spec.network.hostCIDR !== undefined ? parseCidr(spec.network.hostCIDR) : undefined;
    if (spec.network.hostCIDR !== undefined && (!given || given.hostBitsSet)) return; // SPEC_BAD_CIDR says why
    const lbs = lbIndexes(spec)
      .map((i) => ({ i, h: spec.hosts[i] as Host }))
      .filter(({ h }) => isIPv4(h.address));
    if (given) {
      if (!inCidr(vip, given) || isNetworkOrBroadcast(vip, given))
        report({
          code: 'SPEC_VIP_OUTSIDE_SUBNET',
          severity: 'error',
          message: `loadBalancer.vip ${vip} is ${inCidr(vip, given) ? 'the network or broadcast address of' : 'outside'} network.hostCIDR ${formatCidr(given)}`,
          hint: `keepalived can only move the VIP within the LB hosts' L2 segment: pick a free host address in ${formatCidr(given)}`,
          path: ['loadBalancer', 'vip'],
        });
      for (const { i, h } of lbs)
        if (!inCidr(h.address, given))
          report({
            code: 'SPEC_LB_HOST_OUTSIDE_SUBNET',
            severity: 'error',
            message: `load-balancer host "${h.name}" (${h.address}) is outside network.hostCIDR ${formatCidr(given)}`,
            hint: 'VRRP needs every LB host on the VIP\'s segment: fix the address or network.hostCIDR',
            path: ['hosts', i, 'address'],
            host: h.name,
          });
      return;
    }
    for (const { h } of lbs) {
      const net = slash24(h.address);
      if (inCidr(vip, net) && !isNetworkOrBroadcast(vip, net)) continue;
      report({
        code: 'SPEC_VIP_OUTSIDE_SUBNET',
        severity: 'error',
        message: `loadBalancer.vip ${vip} is ${inCidr(vip, net) ? 'the network or broadcast address of' : 'outside'} ${formatCidr(net)}, the subnet of load-balancer host "${h.name}" (${h.address})`,
        hint: `pick a free address in ${formatCidr(net)}; if the LB hosts' subnet is wider than /24, set network.hostCIDR`,
        path: ['loadBalancer', 'vip'],
        host: h.name,
      });
      return;
    }
  },
};

/**
 * Hosts that may run keepalived for one VIP: keepalived takes a priority of 1..255 (vrrp_parser.c vrrp_prio_handler),
 * 255 being the address owner's and the effective priority of the others staying in 1..254, so at most 254 routers
 * can be given distinct priorities, an order an operator can read. The failure simulation recomputes only what each
 * failure touches (src/analyze/simulate), so its work stays near n² in the routers, the size of their unicast_peer
 * lists (docs/security.md: 240 routers check in about a second).
 */
export const MAX_VRRP_ROUTERS = 254;

export const lbHostCount: SpecRule = {
  name: 'lb-host-count',
  codes: ['SPEC_NO_LB_HOSTS', 'SPEC_SINGLE_LB_HOST', 'SPEC_LB_HOSTS_UNUSED', 'SPEC_TOO_MANY_LB_HOSTS'],
  check({ spec, report }) {
    const mode = spec.loadBalancer.mode;
    const lbs = withRole(spec, 'loadbalancer');
    if (mode === 'external') {
      const first = lbs[0];
      if (first !== undefined)
        report({
          code: 'SPEC_LB_HOSTS_UNUSED',
          severity: 'warning',
          message: `loadBalancer.mode is external, so the ${plural(lbs.length, 'host')} with role loadbalancer get no keepalived or HAProxy`,
          hint: 'set loadBalancer.mode: keepalived-haproxy to run the load balancer on them, or drop the role',
          path: [['hosts', first, 'roles']],
          host: spec.hosts[first]?.name ?? '',
        });
      return;
    }
    const what = mode === 'stacked' ? 'control-plane host' : 'host with role loadbalancer';
    if (lbs.length === 0) {
      if (mode === 'stacked') return; // no control plane at all: SPEC_NO_CONTROL_PLANE
      report({
        code: 'SPEC_NO_LB_HOSTS',
        severity: 'error',
        message: 'loadBalancer.mode keepalived-haproxy needs hosts with role loadbalancer, and there is none',
        hint: 'give two hosts the role loadbalancer (two, so that the VIP survives one of them), or use mode stacked',
        path: ['loadBalancer', 'mode'],
      });
    } else if (lbs.length > MAX_VRRP_ROUTERS) {
      const extra = lbs[MAX_VRRP_ROUTERS] ?? 0;
      report({
        code: 'SPEC_TOO_MANY_LB_HOSTS',
        severity: 'error',
        message: `${lbs.length} ${mode === 'stacked' ? 'control-plane hosts' : 'hosts with role loadbalancer'} run keepalived for one VIP; keepalived's priorities (1..254) order at most ${MAX_VRRP_ROUTERS}`,
        hint: 'two or three load-balancer hosts carry a VIP; give the others another role',
        path: [['hosts', extra, 'roles']],
        host: spec.hosts[extra]?.name ?? '',
      });
    } else if (lbs.length === 1) {
      report({
        code: 'SPEC_SINGLE_LB_HOST',
        severity: 'warning',
        message: `only one ${what} runs keepalived + HAProxy: when it fails the VIP has nowhere to go`,
        hint: mode === 'stacked' ? 'add control-plane hosts (three for etcd quorum)' : 'add a second host with role loadbalancer',
        path: ['loadBalancer', 'mode'],
      });
    }
  },
};

export const stackedLbOnControlPlane: SpecRule = {
  name: 'stacked-lb-on-control-plane',
  codes: ['SPEC_STACKED_LB_NOT_CONTROL_PLANE'],
  check({ spec, report }) {
    if (spec.loadBalancer.mode !== 'stacked') return;
    spec.hosts.forEach((h, i) => {
      if (!h.roles.includes('loadbalancer') || h.roles.includes('control-plane')) return;
      report({
        code: 'SPEC_STACKED_LB_NOT_CONTROL_PLANE',
        severity: 'error',
        message: `host "${h.name}" has role loadbalancer but not control-plane, and mode stacked runs the load balancer on the control-plane hosts`,
        hint: 'use loadBalancer.mode: keepalived-haproxy for dedicated LB hosts, or drop the loadbalancer role (stacked gives it to every control-plane host)',
        path: ['hosts', i, 'roles'],
        host: h.name,
      });
    });
  },
};

/** Ports a control-plane host already uses (kubeadm's "ports and protocols" page). */
const CONTROL_PLANE_PORTS: Readonly<Record<number, string>> = {
  2379: 'etcd client',
  2380: 'etcd peer',
  10250: 'kubelet',
  10257: 'kube-controller-manager',
  10259: 'kube-scheduler',
};

export const lbPortConflicts: SpecRule = {
  name: 'lb-port-conflicts',
  codes: ['SPEC_LB_PORT_CONFLICTS_APISERVER', 'SPEC_LB_PORT_CONFLICT'],
  check({ spec, report, written }) {
    if (!isKeepalived(spec)) return;
    const shared = spec.hosts.filter((h) => h.roles.includes('loadbalancer') && h.roles.includes('control-plane'));
    const first = shared[0];
    if (!first) return;
    const port = spec.loadBalancer.port;
    const paths: SpecPath[] = [['loadBalancer', 'port'], ['controlPlane', 'apiserverPort'], ['loadBalancer', 'mode']];
    if (port === spec.controlPlane.apiserverPort) {
      report({
        code: 'SPEC_LB_PORT_CONFLICTS_APISERVER',
        severity: 'error',
        message: `HAProxy's port ${port} is also kube-apiserver's port on "${first.name}"${shared.length > 1 ? ` and ${plural(shared.length - 1, 'other host')}` : ''}: both would bind it, and one fails to start`,
        hint: written(['loadBalancer', 'port']) ? 'use another loadBalancer.port, e.g. 8443 (the stacked default)' : 'remove loadBalancer.port (the stacked default is 8443) or change controlPlane.apiserverPort',
        path: paths,
        host: first.name,
      });
      return;
    }
    const taken = CONTROL_PLANE_PORTS[port];
    if (taken)
      report({
        code: 'SPEC_LB_PORT_CONFLICT',
        severity: 'error',
        message: `HAProxy's port ${port} is the ${taken} port on control-plane host "${first.name}"`,
        hint: 'use another loadBalancer.port, e.g. 8443',
        path: paths,
        host: first.name,
      });
  },
};

export const endpointMatchesLb: SpecRule = {
  name: 'endpoint-matches-lb',
  codes: ['SPEC_ENDPOINT_PORT_MISMATCH', 'SPEC_ENDPOINT_BYPASSES_LB', 'SPEC_ENDPOINT_NOT_VIP'],
  check({ spec, report }) {
    const ep = spec.controlPlane.endpoint;
    const lb = spec.loadBalancer;
    if (ep.port !== lb.port) {
      const direct = isKeepalived(spec) && ep.port === spec.controlPlane.apiserverPort && withRole(spec, 'control-plane').some((i) => withRole(spec, 'loadbalancer').includes(i));
      report({
        code: 'SPEC_ENDPOINT_PORT_MISMATCH',
        severity: 'error',
        message: direct
          ? `controlPlane.endpoint.port ${ep.port} is the apiserver port, not HAProxy's ${lb.port}: clients reach the apiserver on the VIP holder directly and bypass HAProxy, so when that apiserver dies they fail although the VIP stays up`
          : `controlPlane.endpoint.port ${ep.port} differs from the load balancer's port ${lb.port}: clients would connect to a port nothing forwards`,
        hint: `set controlPlane.endpoint.port: ${lb.port}, or remove it (it defaults to loadBalancer.port)`,
        path: [['controlPlane', 'endpoint', 'port'], ['loadBalancer', 'port']],
      });
    }
    if (!ep.address || ep.address === lb.vip) return;
    const cp = spec.hosts.find((h) => h.address === ep.address);
    if (cp)
      report({
        code: 'SPEC_ENDPOINT_BYPASSES_LB',
        severity: 'error',
        message: `controlPlane.endpoint.address ${ep.address} is host "${cp.name}", not the load balancer ${lb.vip}: every client depends on that one host`,
        hint: 'remove controlPlane.endpoint.address (it defaults to loadBalancer.vip)',
        path: ['controlPlane', 'endpoint', 'address'],
        host: cp.name,
      });
    else
      report({
        code: 'SPEC_ENDPOINT_NOT_VIP',
        severity: 'warning',
        message: `controlPlane.endpoint.address ${ep.address} is not loadBalancer.vip ${lb.vip}`,
        hint: 'clients should reach the apiservers through the VIP; remove controlPlane.endpoint.address unless a NAT maps it to the VIP',
        path: ['controlPlane', 'endpoint', 'address'],
      });
  },
};

const isUnder = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

/** Names resolvers and clients answer themselves, never from /etc/hosts (RFC 6761 §6.3 localhost, §6.4 invalid). */
const NEVER_RESOLVED: Readonly<Record<string, string>> = {
  localhost: 'resolvers and clients (systemd-resolved, curl, browsers) answer every name under .localhost with loopback themselves (RFC 6761 §6.3)',
  invalid: 'names under .invalid must never resolve (RFC 6761 §6.4)',
};
/**
 * Suffixes no public DNS serves: special-use names (RFC 6761 test, example; RFC 6762 local; RFC 8375 home.arpa),
 * .internal (reserved for private use by ICANN, 2024) and common private suffixes.
 */
const PRIVATE_SUFFIXES = ['local', 'internal', 'test', 'example', 'home.arpa', 'lan', 'localdomain', 'corp', 'home', 'intranet', 'private'];

export const endpointDomain: SpecRule = {
  name: 'endpoint-domain',
  codes: ['SPEC_DOMAIN_UNRESOLVABLE', 'SPEC_DOMAIN_IN_CLUSTER_DOMAIN', 'SPEC_DOMAIN_HOSTS_FILE_ONLY'],
  check({ spec, report }) {
    const raw = spec.controlPlane.endpoint.domain;
    if (raw === undefined || !DNS_NAME.test(raw) || isIPv4(raw)) return; // SPEC_BAD_DOMAIN
    const domain = raw.toLowerCase().replace(/\.$/, '');
    const path: SpecPath = ['controlPlane', 'endpoint', 'domain'];
    const never = Object.keys(NEVER_RESOLVED).find((z) => isUnder(domain, z));
    if (never !== undefined) {
      report({
        code: 'SPEC_DOMAIN_UNRESOLVABLE',
        severity: 'error',
        message: `controlPlane.endpoint.domain "${raw}" cannot be made to resolve to the endpoint: ${NEVER_RESOLVED[never] ?? ''}, so the /etc/hosts entry kubeha writes would not be used`,
        hint: `use a name under a domain you control, or one under .internal (resolved through kubeha's /etc/hosts block), e.g. api.${spec.name}.internal`,
        path,
      });
      return;
    }
    const zone = spec.network.dnsDomain.toLowerCase().replace(/\.$/, '');
    if (zone !== '' && isUnder(domain, zone)) {
      report({
        code: 'SPEC_DOMAIN_IN_CLUSTER_DOMAIN',
        severity: 'error',
        message: `controlPlane.endpoint.domain "${raw}" lies in the cluster DNS domain ${zone} (network.dnsDomain): the cluster DNS answers that zone itself (NXDOMAIN for names that are not services), so pods never resolve it; kubeha's /etc/hosts block reaches only the hosts`,
        hint: `use a name outside ${zone}, e.g. api.${spec.name}.internal, or change network.dnsDomain`,
        path: [path, ['network', 'dnsDomain']],
      });
      return;
    }
    const privateZone = PRIVATE_SUFFIXES.find((z) => isUnder(domain, z));
    if (privateZone === undefined && domain.includes('.')) return;
    report({
      code: 'SPEC_DOMAIN_HOSTS_FILE_ONLY',
      severity: 'info',
      message: `controlPlane.endpoint.domain "${raw}" resolves only through the /etc/hosts block kubeha writes on the ${plural(spec.hosts.length, 'host')} of this spec (${raw} → ${spec.controlPlane.endpoint.address}): ${privateZone !== undefined ? `no public DNS serves .${privateZone}` : 'a single-label name is never in public DNS'}`,
      hint: 'a kubeconfig used anywhere else (a workstation, CI, a pod off the host network) needs a DNS record or an /etc/hosts line there for this name',
      path,
    });
  },
};

export const controlPlaneMode: SpecRule = {
  name: 'control-plane-mode',
  codes: ['SPEC_CONTROL_PLANE_MODE_CONFLICT', 'SPEC_INSTALLER_DEPRECATED'],
  check({ input, report }) {
    const cp = input.controlPlane;
    if (cp?.installer === undefined) return;
    const path: SpecPath = ['controlPlane', 'installer'];
    if (cp.mode !== undefined && cp.mode !== cp.installer)
      report({
        code: 'SPEC_CONTROL_PLANE_MODE_CONFLICT',
        severity: 'error',
        message: `controlPlane.installer (${cp.installer}) and controlPlane.mode (${cp.mode}) disagree: installer is the old name of mode`,
        hint: 'remove controlPlane.installer and keep controlPlane.mode',
        path,
      });
    else
      report({
        code: 'SPEC_INSTALLER_DEPRECATED',
        severity: 'info',
        message: `controlPlane.installer is the old name of controlPlane.mode (read as mode: ${cp.installer})`,
        hint: `rename the key: mode: ${cp.installer}`,
        path,
      });
  },
};

export const vrrpSettings: SpecRule = {
  name: 'vrrp-settings',
  codes: ['SPEC_ADVERT_INT_V2_FRACTION', 'SPEC_ADVERT_INT_RANGE', 'SPEC_VRRP3_AUTH_IGNORED', 'SPEC_TUNNEL_TIMEOUT_SHORT'],
  check({ input, spec, report }) {
    const lb = spec.loadBalancer;
    const advert: SpecPath[] = [['loadBalancer', 'advertInt'], ['loadBalancer', 'vrrpVersion']];
    // keepalived 2.2.7 (`keepalived -t`, exit 5): "VRRPv3 advertisement interval 41.00s is out of range. Must be
    // less than 40.96s", "… 0.015000s must be in units of 10ms - rounding", "number '0.005' outside range [0.01, 255]".
    if (isKeepalived(spec) && lb.vrrpVersion === 3) {
      const cs = lb.advertInt * 100;
      if (lb.advertInt < 0.01 || lb.advertInt > 40.95 || Math.abs(cs - Math.round(cs)) > 1e-9)
        report({
          code: 'SPEC_ADVERT_INT_RANGE',
          severity: 'error',
          message: `loadBalancer.advertInt ${lb.advertInt} is not a VRRPv3 interval: 0.01 to 40.95 seconds in steps of 0.01`,
          hint: 'use e.g. 0.05 (the default: takeover in ~0.18 s), 0.2 or 1',
          path: advert,
        });
      if (input.loadBalancer.authSecret !== undefined)
        report({
          code: 'SPEC_VRRP3_AUTH_IGNORED',
          severity: 'warning',
          message: 'loadBalancer.authSecret is set, but VRRPv3 has no authentication (keepalived: "VRRP version 3 does not support authentication. Ignoring.")',
          hint: 'remove authSecret, or use vrrpVersion: 2 (whole-second adverts) if you need the PASS password',
          path: ['loadBalancer', 'authSecret'],
        });
    }
    if (isKeepalived(spec) && lb.vrrpVersion === 2 && !Number.isInteger(lb.advertInt))
      report({
        code: 'SPEC_ADVERT_INT_V2_FRACTION',
        severity: 'error',
        message: `loadBalancer.advertInt ${lb.advertInt} is a fraction of a second, which VRRPv2 cannot send`,
        hint: 'use a whole number of seconds with vrrpVersion 2, or vrrpVersion 3 for sub-second adverts',
        path: [['loadBalancer', 'advertInt'], ['loadBalancer', 'vrrpVersion']],
      });
    if (isKeepalived(spec) && lb.timeouts.tunnelMs < 3_600_000)
      report({
        code: 'SPEC_TUNNEL_TIMEOUT_SHORT',
        severity: 'warning',
        message: `HAProxy cuts a connection idle for ${Math.round(lb.timeouts.tunnelMs / 1000)} s: watches and \`kubectl logs -f\` idle longer than that are cut`,
        hint: 'set loadBalancer.timeouts.tunnel to 1h or more (default 4h)',
        path: [['loadBalancer', 'timeouts', 'tunnel'], ['loadBalancer', 'timeouts'], ['loadBalancer']],
      });
  },
};

// --- etcd --------------------------------------------------------------------------------------

export const etcdMembers: SpecRule = {
  name: 'etcd-members',
  codes: ['SPEC_ETCD_NO_QUORUM_TOLERANCE', 'SPEC_ETCD_EVEN_MEMBERS', 'SPEC_ETCD_EXTERNAL_NO_ENDPOINTS', 'SPEC_BAD_URL'],
  check({ spec, report }) {
    let n: number;
    let path: SpecPath[];
    if (spec.etcd.type === 'external') {
      spec.etcd.endpoints.forEach((e, i) => {
        if (/^https?:\/\/[^/\s:]+(:\d{1,5})?\/?$/.test(e)) return;
        report({
          code: 'SPEC_BAD_URL',
          severity: 'error',
          message: `etcd endpoint "${e}" is not a client URL`,
          hint: 'write https://ADDRESS:2379',
          path: ['etcd', 'endpoints', i],
        });
      });
      n = spec.etcd.endpoints.length;
      path = [['etcd', 'endpoints'], ['etcd']];
      if (n === 0) {
        report({
          code: 'SPEC_ETCD_EXTERNAL_NO_ENDPOINTS',
          severity: 'error',
          message: 'etcd.type external needs etcd.endpoints: the client URLs of the existing etcd cluster',
          hint: 'list them, e.g. [https://10.77.0.41:2379, https://10.77.0.42:2379, https://10.77.0.43:2379], or use etcd.type stacked',
          path,
        });
        return;
      }
    } else {
      const members = withRole(spec, 'etcd');
      n = members.length;
      path = [['etcd'], ...members.slice(0, 1).map((i): SpecPath => ['hosts', i, 'roles'])];
      // No member: defaults made the control-plane hosts members, so there is no control plane (SPEC_NO_CONTROL_PLANE).
      if (n === 0) return;
    }
    const stacked = spec.etcd.type === 'stacked';
    // n members keep quorum ⌊n/2⌋+1, so they tolerate n - quorum = ⌊(n-1)/2⌋ failures.
    const tolerates = (k: number): number => Math.floor((k - 1) / 2);
    if (n === 1 || (n === 2 && !stacked))
      report({
        code: 'SPEC_ETCD_NO_QUORUM_TOLERANCE',
        severity: 'warning',
        message:
          n === 1
            ? '1 etcd member: when it fails the cluster state is unavailable (no fault tolerance)'
            : '2 etcd members: quorum is 2, so losing either one stops all writes (less available than 1 member)',
        hint: 'run 3 etcd members (tolerates 1 failure) or 5 (tolerates 2)',
        path,
      });
    else if (n % 2 === 0)
      report({
        code: 'SPEC_ETCD_EVEN_MEMBERS',
        // kubeha creates stacked members itself: an even count is refused (--force goes on). An external cluster's
        // endpoint list may be a subset of its members: a warning.
        severity: stacked ? 'error' : 'warning',
        ...(stacked ? { forcible: true } : {}),
        message: `${n} etcd members: n members keep quorum with ⌊n/2⌋+1 = ${Math.floor(n / 2) + 1} and tolerate ⌊(n-1)/2⌋ failures, so ${n} tolerate ${tolerates(n)}, like ${n - 1}${n === 2 ? ' (losing either member stops all writes)' : ''}: the extra member adds load and a failure point, no tolerance`,
        hint: `use ${n - 1} or ${n + 1} members (${n + 1} tolerate ${tolerates(n + 1)})${stacked ? '; or pass --force to go on with an even number' : ''}`,
        path,
      });
  },
};

// --- ssh ---------------------------------------------------------------------------------------

export const jumpHosts: SpecRule = {
  name: 'jump-hosts',
  codes: ['SPEC_UNKNOWN_JUMP_HOST', 'SPEC_JUMP_HOST_SELF'],
  check({ input, report }) {
    const names = input.hosts.map((h) => h.name);
    const known = new Set(names);
    const check = (jump: string | undefined, path: SpecPath, self?: string): void => {
      if (jump === undefined) return;
      // user@address:port or a plain address/FQDN: outside the spec, used as written.
      if (/[@:]/.test(jump) || jump.includes('.')) return;
      if (self !== undefined && jump === self) {
        report({
          code: 'SPEC_JUMP_HOST_SELF',
          severity: 'error',
          message: `host "${self}" names itself as its ssh.jumpHost`,
          hint: 'remove ssh.jumpHost from this host: it is reached directly',
          path,
          host: self,
        });
        return;
      }
      if (known.has(jump)) return;
      const guess = didYouMean(jump, names);
      report({
        code: 'SPEC_UNKNOWN_JUMP_HOST',
        severity: 'error',
        message: `ssh.jumpHost "${jump}" is not a host of this spec`,
        hint: guess ? `did you mean "${guess}"?` : 'name a host from `hosts`, or write user@address:port',
        path,
        ...(self !== undefined ? { host: self } : {}),
      });
    };
    check(input.ssh?.jumpHost, ['ssh', 'jumpHost']);
    input.hosts.forEach((h, i) => check(h.ssh?.jumpHost, ['hosts', i, 'ssh', 'jumpHost'], h.name));
  },
};

/** Every rule, in the order their findings read best. */
export const specRules: readonly SpecRule[] = [
  duplicateHostNames,
  duplicateAddresses,
  unknownRoles,
  hostsWithoutRole,
  noControlPlane,
  invalidAddresses,
  invalidNames,
  invalidCidrs,
  vipRequired,
  vipIsHostAddress,
  vipOutsideSubnet,
  lbHostCount,
  stackedLbOnControlPlane,
  lbPortConflicts,
  endpointMatchesLb,
  endpointDomain,
  controlPlaneMode,
  vrrpSettings,
  etcdMembers,
  jumpHosts,
];

/**
 * Runs every rule; with `locate`, each diagnostic gets the line/col of the first of its paths the user wrote.
 * Diagnostics carry no file or excerpt: the caller (./load.ts) adds them.
 */
export function runSpecRules(input: SpecInput, spec: ClusterSpec, locate?: Locate, rules: readonly SpecRule[] = specRules, options: RuleOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const written = (path: SpecPath): boolean => hasPath(input, path);
  for (const rule of rules) {
    rule.check({
      input,
      spec,
      written,
      report: (r) => {
        const paths: SpecPath[] = isPathList(r.path) ? r.path : [r.path];
        const chosen = paths.find(written) ?? paths[paths.length - 1] ?? [];
        const forced = options.force === true && r.forcible === true && r.severity === 'error';
        const d: Diagnostic = forced
          ? { code: r.code, severity: 'warning', message: `${r.message} (going on: --force)`, hint: r.hint }
          : { code: r.code, severity: r.severity, message: r.message, hint: r.hint };
        if (r.host !== undefined) d.host = r.host;
        if (locate) Object.assign(d, locate.value(chosen));
        out.push(d);
      },
    });
  }
  return out;
}

function isPathList(p: SpecPath | SpecPath[]): p is SpecPath[] {
  return p.length > 0 && Array.isArray(p[0]);
}

function hasPath(data: unknown, path: SpecPath): boolean {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return false;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v !== undefined;
}
