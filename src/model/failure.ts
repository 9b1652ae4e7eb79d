/**
 * Single failures as typed values: what the simulator predicts, what a drill injects in the lab and what the
 * dashboard shows. Each has one text form (`node-down:lb0`), used in JSON and on the command line.
 */
import type { Diagnostic } from '../diag/diagnostic.js';

export type Failure =
  /** Nothing broken: the converged start-up state. */
  | { kind: 'none' }
  /** The HAProxy process is gone on that host; the host and keepalived stay up. */
  | { kind: 'haproxy-down'; host: string }
  /** keepalived is stopped on that host (it sends a priority-0 advert as it goes). */
  | { kind: 'keepalived-down'; host: string }
  /** The host is powered off: everything on it is gone. */
  | { kind: 'node-down'; host: string }
  /** The apiserver at that backend address is gone, named as the backend server lines write it. */
  | { kind: 'apiserver-down'; address: string; port: number }
  /** VRRP between the two hosts is cut; clients still reach both. */
  | { kind: 'partition'; hosts: readonly [string, string] }
  /** The host's link delays or drops packets (netem) but stays up. */
  | { kind: 'link-degraded'; host: string };

export type FailureKind = Failure['kind'];

export const FAILURE_KINDS: readonly FailureKind[] = ['none', 'haproxy-down', 'keepalived-down', 'node-down', 'apiserver-down', 'partition', 'link-degraded'];

/** The text form of a failure, as `formatFailure` writes it. */
export type FailureText =
  | 'none'
  | `haproxy-down:${string}`
  | `keepalived-down:${string}`
  | `node-down:${string}`
  | `apiserver-down:${string}:${number}`
  | `partition:${string}|${string}`
  | `link-degraded:${string}`;

/** The text form: `none`, `haproxy-down:lb0`, `apiserver-down:10.0.0.21:6443`, `partition:lb0|lb1`, … */
export function formatFailure(f: Failure): FailureText {
  switch (f.kind) {
    case 'none':
      return 'none';
    case 'haproxy-down':
    case 'keepalived-down':
    case 'node-down':
    case 'link-degraded':
      return `${f.kind}:${f.host}`;
    case 'apiserver-down':
      return `apiserver-down:${f.address}:${f.port}`;
    case 'partition':
      return `partition:${f.hosts[0]}|${f.hosts[1]}`;
  }
}

export type ParsedFailure = { ok: true; failure: Failure } | { ok: false; problem: Diagnostic };

const SYNTAX = 'none, haproxy-down:<host>, keepalived-down:<host>, node-down:<host>, apiserver-down:<address>:<port>, partition:<host>|<host>, link-degraded:<host>';

/** Reads the text form back; bad text gives a problem that says what was expected. */
export function parseFailure(text: string): ParsedFailure {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? undefined : text.slice(colon + 1);
  const bad = (message: string, hint = `a failure is one of: ${SYNTAX}`): ParsedFailure => ({
    ok: false,
    problem: { code: 'FAILURE_SYNTAX', severity: 'error', message: `failure "${text}": ${message}`, hint },
  });
  const isName = (s: string): boolean => s !== '' && !/[\s|]/.test(s);
  switch (kind) {
    case 'none':
      return arg === undefined ? { ok: true, failure: { kind } } : bad('`none` takes no argument', 'write `none`');
    case 'haproxy-down':
    case 'keepalived-down':
    case 'node-down':
    case 'link-degraded':
      if (arg === undefined || !isName(arg)) return bad(`${kind} needs a host name without spaces or "|"`, `write ${kind}:<host>, e.g. ${kind}:lb0`);
      return { ok: true, failure: { kind, host: arg } };
    case 'apiserver-down': {
      // The port follows the last colon, so that an IPv6 address keeps its own colons.
      const last = arg?.lastIndexOf(':') ?? -1;
      const address = arg?.slice(0, last) ?? '';
      const port = arg?.slice(last + 1) ?? '';
      const hint = 'write apiserver-down:<address>:<port>, e.g. apiserver-down:10.0.0.21:6443';
      if (arg === undefined || last < 0 || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535 || !isName(address))
        return bad('apiserver-down needs an address and a port from 1 to 65535', hint);
      return { ok: true, failure: { kind, address, port: Number(port) } };
    }
    case 'partition': {
      const hosts = arg?.split('|') ?? [];
      const [a = '', b = ''] = hosts;
      if (hosts.length !== 2 || !isName(a) || !isName(b)) return bad('partition needs two host names separated by "|"', 'write partition:<host>|<host>, e.g. partition:lb0|lb1');
      if (a === b) return bad('a partition cuts two different hosts apart', 'write partition:<host>|<other host>');
      return { ok: true, failure: { kind, hosts: [a, b] } };
    }
    default:
      return bad(`unknown kind "${kind}"`);
  }
}

/** The hosts a failure acts on by name (an apiserver-down names an address instead). */
export function failureHosts(f: Failure): string[] {
  switch (f.kind) {
    case 'none':
    case 'apiserver-down':
      return [];
    case 'partition':
      return [...f.hosts];
    default:
      return [f.host];
  }
}

// ---------- lab faults ----------

/** The faults `kubeha lab fault HOST FAULT` takes: three that break a host and the three that undo them. */
export const LAB_FAULTS = ['power-off', 'power-on', 'link-down', 'link-up', 'freeze', 'thaw'] as const;
export type LabFault = (typeof LAB_FAULTS)[number];

/** The lab faults that break something, each with the fault that undoes it. */
export const LAB_FAULT_UNDO = { 'power-off': 'power-on', 'link-down': 'link-up', freeze: 'thaw' } as const satisfies Partial<Record<LabFault, LabFault>>;

/**
 * What `kubeha lab fault HOST delay|loss|clear` does to a host's link: `delay` adds that many milliseconds to every
 * packet in each direction (netem, or kubeha's packet delayer where the kernel has no netem), `loss` drops that share of packets in each direction, `clear` undoes both.
 */
export type LinkFault = { kind: 'delay'; ms: number } | { kind: 'loss'; percent: number } | { kind: 'clear' };

export const LINK_FAULTS = ['delay', 'loss', 'clear'] as const;

export type ParsedLinkFault = { ok: true; fault: LinkFault } | { ok: false; problem: Diagnostic };

/** `delay 50ms` (or `0.05s`), `loss 5%` (0 < p ≤ 100), `clear`. */
export function parseLinkFault(kind: string, value: string | undefined): ParsedLinkFault {
  const bad = (message: string, hint: string): ParsedLinkFault => ({ ok: false, problem: { code: 'LAB_LINK_FAULT', severity: 'error', message, hint } });
  switch (kind) {
    case 'clear':
      return value === undefined ? { ok: true, fault: { kind } } : bad('`clear` takes no value', 'write: kubeha lab fault HOST clear');
    case 'delay': {
      const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value ?? '');
      const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
      if (!(ms > 0 && ms <= 60_000)) return bad(`delay "${value ?? ''}": expected a duration from 1ms to 60s`, 'write e.g. delay 50ms');
      return { ok: true, fault: { kind, ms } };
    }
    case 'loss': {
      const m = /^(\d+(?:\.\d+)?)%$/.exec(value ?? '');
      const percent = m ? Number(m[1]) : NaN;
      if (!(percent > 0 && percent <= 100)) return bad(`loss "${value ?? ''}": expected a percentage above 0 and at most 100`, 'write e.g. loss 5%');
      return { ok: true, fault: { kind, percent } };
    }
    default:
      return bad(`unknown link fault "${kind}"`, 'one of: delay <ms>, loss <percent>, clear');
  }
}

/** What a link-degraded drill puts on the host's link: the soak values. */
export const DEGRADED_LINK: readonly LinkFault[] = [
  { kind: 'delay', ms: 50 },
  { kind: 'loss', percent: 2 },
];

/** A service on a lab host that a drill stops and starts over SSH. */
export type LabService = 'haproxy' | 'keepalived' | 'kube-apiserver';

/** One action of a drill on one lab host. */
export type FaultStep =
  /** `kubeha lab fault HOST FAULT`. */
  | { kind: 'lab-fault'; host: string; fault: LabFault }
  /** Over SSH. `kill`: SIGKILL to its processes (a crash: no clean shutdown); `stop`: a clean stop; `start`. */
  | { kind: 'service'; host: string; service: LabService; action: 'kill' | 'stop' | 'start' }
  /** The host's link degraded (netem delay, packet loss) or cleared. */
  | { kind: 'link'; host: string; fault: LinkFault }
  /** VRRP between the two hosts dropped (both ways, on both hosts); `heal` lets it through again. */
  | { kind: 'vrrp-cut'; hosts: readonly [string, string]; action: 'cut' | 'heal' };

/** How a drill makes a failure happen in the lab and how it undoes it, or why the lab cannot. */
export type Injection = { ok: true; inject: FaultStep[]; undo: FaultStep[] } | { ok: false; why: string };

/**
 * How the lab injects a failure. `hostAt` names the lab host that has an address (apiserver-down names its
 * apiserver by the address the backends use).
 */
export function injectionOf(f: Failure, hostAt: (address: string) => string | undefined = () => undefined): Injection {
  const lab = (host: string, fault: keyof typeof LAB_FAULT_UNDO): Injection => ({
    ok: true,
    inject: [{ kind: 'lab-fault', host, fault }],
    undo: [{ kind: 'lab-fault', host, fault: LAB_FAULT_UNDO[fault] }],
  });
  const service = (host: string, name: LabService, action: 'kill' | 'stop'): Injection => ({
    ok: true,
    inject: [{ kind: 'service', host, service: name, action }],
    undo: [{ kind: 'service', host, service: name, action: 'start' }],
  });
  switch (f.kind) {
    case 'none':
      return { ok: true, inject: [], undo: [] };
    case 'node-down':
      return lab(f.host, 'power-off');
    // The simulator's haproxy-down is the process gone (a crash), which a unit's stop hooks do see.
    case 'haproxy-down':
      return service(f.host, 'haproxy', 'kill');
    // keepalived-down is a clean stop: keepalived sends its priority-0 advert.
    case 'keepalived-down':
      return service(f.host, 'keepalived', 'stop');
    case 'apiserver-down': {
      const host = hostAt(f.address);
      return host === undefined ? { ok: false, why: `no lab host has the address ${f.address}` } : service(host, 'kube-apiserver', 'kill');
    }
    case 'partition':
      return { ok: true, inject: [{ kind: 'vrrp-cut', hosts: f.hosts, action: 'cut' }], undo: [{ kind: 'vrrp-cut', hosts: f.hosts, action: 'heal' }] };
    case 'link-degraded':
      return { ok: true, inject: DEGRADED_LINK.map((fault) => ({ kind: 'link', host: f.host, fault })), undo: [{ kind: 'link', host: f.host, fault: { kind: 'clear' } }] };
  }
}

/**
 * The failure the simulator predicts for a lab fault while it lasts: each of them takes the host off the
 * network for its peers and clients (a frozen host neither adverts nor answers), as a power cut does.
 * The undoing faults predict no failure.
 */
export function failureOfLabFault(host: string, fault: LabFault): Failure {
  return fault in LAB_FAULT_UNDO ? { kind: 'node-down', host } : { kind: 'none' };
}
