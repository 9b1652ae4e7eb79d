import type { Code } from '../diag/catalog.js';
import { ProblemCollector } from '../diag/collector.js';
import type { Diagnostic, LineIndex, Severity } from '../diag/diagnostic.js';
import { isSecretKey, secretStars, maskSecretsInLine } from '../diag/secrets.js';
import type { HostInput, Role, SpecInput } from '../cluster-spec/schema.js';

/**
 * Shared pieces of the importers (KubeKey config, ansible inventory): the result shape, a diagnostic
 * collector bound to one file, host-range expansion, secret redaction, the endpoint mapping and the shared SSH settings.
 * Pure: the shell reads the files and hands the text in.
 */

/** What an importer returns: a spec for our schema (absent when any error) and every diagnostic. */
export interface ImportResult {
  spec?: SpecInput;
  diagnostics: Diagnostic[];
  /** One line saying what was imported from where, for the header of the written spec. */
  source: string;
}

/** Shown instead of any secret value that an imported file held in plain text. */
export const REDACTED = '<redacted by kubeha import: plain-text secret not copied>';

/** The masking helpers importers use; they live with every other masking step in src/diag/secrets.ts. */
export { isSecretKey, secretStars, maskSecretsInLine } from '../diag/secrets.js';

/**
 * Diagnostics of one input file: diag's collector bound to the file (file:line:col, a masked excerpt), plus the
 * importers' own masking of known secret strings (values read from the file) and default hints for errors.
 */
export class FileDiagnostics {
  readonly index: LineIndex;
  private readonly collector = new ProblemCollector();
  private readonly secrets = new Set<string>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.index = this.collector.addFile(file, text);
    // Known before anything is parsed: an error on an earlier (garbled) line may quote a value that a later line
    // names as a secret, and a file that does not parse is never walked.
    for (const v of secretValuesIn(text)) this.secret(v);
  }

  get list(): Diagnostic[] {
    return this.collector.problems;
  }

  /** Remember a secret value so that no message, hint or excerpt ever contains it. */
  secret(value: string): void {
    // Very short values would mask unrelated text; the key=value masking of excerpts still covers them.
    if (value.length >= 4) this.secrets.add(value);
  }

  add(severity: Severity, code: Code, message: string, at?: { line: number; col: number; length?: number }, hint?: string): Diagnostic {
    const fix = hint ?? (severity === 'error' ? DEFAULT_HINTS[code] ?? 'correct this entry of the imported file' : undefined);
    return this.collector.add(severity, code, message, this.file, at, fix);
  }

  /** Position of a byte offset, with a length. */
  at(offset: number, length = 1): { line: number; col: number; length: number } {
    return { ...this.index.position(offset), length };
  }

  error(code: Code, message: string, at?: { line: number; col: number; length?: number }, hint?: string): Diagnostic {
    return this.add('error', code, message, at, hint);
  }
  warning(code: Code, message: string, at?: { line: number; col: number; length?: number }, hint?: string): Diagnostic {
    return this.add('warning', code, message, at, hint);
  }
  info(code: Code, message: string, at?: { line: number; col: number; length?: number }, hint?: string): Diagnostic {
    return this.add('info', code, message, at, hint);
  }

  /** The diagnostics with every known secret and every secret-looking pair masked. */
  finish(): Diagnostic[] {
    const scrub = (s: string): string => {
      let out = s;
      for (const secret of this.secrets) out = out.split(secret).join(secretStars(secret));
      return out;
    };
    return this.list.map((d) => {
      const c: Diagnostic = { ...d, message: maskSecretsInLine(scrub(d.message)) };
      if (d.hint !== undefined) c.hint = maskSecretsInLine(scrub(d.hint));
      if (d.excerpt !== undefined) c.excerpt = maskSecretsInLine(scrub(d.excerpt));
      return c;
    });
  }
}

/** The values of secret-looking `key=value` and `key: value` pairs anywhere in a text, quotes removed. */
function secretValuesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/([A-Za-z_][\w.-]*)["']?\s*(?:=|:[ \t])\s*("[^"\n]*"|'[^'\n]*'|[^\s#;,}\]]+)/g)) {
    if (!isSecretKey(m[1] ?? '')) continue;
    const v = m[2] ?? '';
    out.push(/^(["']).*\1$/.test(v) ? v.slice(1, -1) : v);
  }
  return out;
}

/** Hints for errors raised without one, so that every error tells how to fix it. */
const DEFAULT_HINTS: Readonly<Partial<Record<Code, string>>> = {
  IMPORT_BAD_PORT: 'use a port number between 1 and 65535',
  IMPORT_BAD_HOST: 'write each host as a mapping: - {name: node1, address: 10.0.0.11, internalAddress: 10.0.0.11}',
  IMPORT_BAD_ROLEGROUP: 'write each roleGroup as a list of host names from spec.hosts, e.g. worker: [node1, node2]',
  IMPORT_BAD_ADDRESS: 'use an IPv4 address such as 10.0.0.11',
  IMPORT_DUPLICATE_HOST: 'host names must be unique',
};

/** A DNS label for our `name` fields: lower-case, `[a-z0-9-]`, at most 63 characters. */
export function toDnsLabel(raw: string): string {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return s.length > 0 ? s : 'host';
}

/**
 * KubeKey's roleGroups range `node[2:10]`: node2 … node10, numbers printed without padding
 * (kubekey cmd/kk/apis/kubekey/v1alpha2/cluster_types.go, getHostsRange). Undefined when not a range.
 */
export function expandKubekeyRange(pattern: string): string[] | undefined {
  const m = /^(.*?)\[(\d+):(\d+)\](.*)$/.exec(pattern);
  if (!m) return undefined;
  const [, prefix = '', a = '0', b = '0', suffix = ''] = m;
  const from = Number(a);
  const to = Number(b);
  const out: string[] = [];
  // One past the bound, so that the caller can tell a range that is too large.
  for (let i = from; i <= to && out.length <= MAX_RANGE_HOSTS; i++) out.push(`${prefix}${i}${suffix}`);
  return out;
}

/** Hosts one ansible host pattern may expand to (`node[0:99999][0:99999]` is refused at its line). */
export const MAX_RANGE_HOSTS = 10_000;

/**
 * Expands ansible host ranges: `node[01:03]` → node01..node03, `[a:c]`, strides `[0:10:2]`, several ranges in one
 * pattern. undefined for a plain name, `{ error }` for a malformed pattern or one that would expand to more than
 * MAX_RANGE_HOSTS names (counted before any is built).
 */
export function expandAnsibleRange(pattern: string): string[] | undefined | { error: string } {
  // The pattern as literal parts and ranges, scanned once (no backtracking regex over a long line).
  const literals: string[] = [];
  const ranges: { body: string; items: (i: number) => string; count: number }[] = [];
  let lit = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === ']') return { error: `unbalanced bracket in "${pattern}"` };
    if (c !== '[') {
      lit += c;
      continue;
    }
    const close = pattern.indexOf(']', i + 1);
    const nextOpen = pattern.indexOf('[', i + 1);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) return { error: `unbalanced bracket in "${pattern}"` };
    const body = pattern.slice(i + 1, close);
    const r = parseRange(body);
    if ('error' in r) return r;
    literals.push(lit);
    lit = '';
    ranges.push({ body, ...r });
    i = close;
  }
  if (ranges.length === 0) return undefined;
  literals.push(lit);
  let total = 1;
  for (const r of ranges) {
    total *= r.count;
    if (total > MAX_RANGE_HOSTS) {
      return { error: `expands to more than ${MAX_RANGE_HOSTS} hosts (kubeha's bound for one host pattern, docs/security.md)` };
    }
  }
  let out = [literals[0] ?? ''];
  ranges.forEach((r, k) => {
    const next: string[] = [];
    for (const head of out) for (let i = 0; i < r.count; i++) next.push(head + r.items(i) + (literals[k + 1] ?? ''));
    out = next;
  });
  return out;
}

/** One `[start:end(:stride)]` body: how many items and the i-th, or why it is not a range. */
function parseRange(body: string): { count: number; items: (i: number) => string } | { error: string } {
  const parts = body.split(':');
  if (parts.length < 2 || parts.length > 3) return { error: `"[${body}]" is not a range such as [01:10] or [a:f]` };
  const [start = '', end = '', strideText = '1'] = parts;
  const stride = Number(strideText);
  if (!/^\d{1,9}$/.test(strideText) || stride < 1) return { error: `stride "${strideText}" in "[${body}]" must be a positive integer` };
  if (/^\d{1,15}$/.test(start) && /^\d{1,15}$/.test(end)) {
    const width = start.startsWith('0') && start.length > 1 ? start.length : 0;
    const a = Number(start);
    const b = Number(end);
    if (b < a) return { error: `range [${body}] ends before it starts` };
    return { count: Math.floor((b - a) / stride) + 1, items: (i) => String(a + i * stride).padStart(width, '0') };
  }
  if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (b < a) return { error: `range [${body}] ends before it starts` };
    return { count: Math.floor((b - a) / stride) + 1, items: (i) => String.fromCharCode(a + i * stride) };
  }
  return { error: `"[${body}]" is not a range such as [01:10] or [a:f]` };
}

/** Top-level keys of an object, for "kept in passthrough" messages. */
export function keysOf(o: Record<string, unknown>): string {
  return Object.keys(o).join(', ');
}

/** Where the control plane endpoint came from, in the imported file's terms. */
export interface EndpointFacts {
  /** The address of the existing load balancer / VIP, if the file named one. */
  address?: string;
  domain?: string;
  port?: number;
  /** Addresses of the control-plane hosts, in file order. */
  controlPlaneAddresses: string[];
}

/**
 * Our loadBalancer + controlPlane.endpoint for an imported cluster. Imported files describe no LB machines,
 * so the existing LB is modelled as `external` at its address; without an address, clients reach the first
 * control-plane host directly (what KubeKey and kubespray do then), which is not HA and gets a warning.
 */
export function mapEndpoint(
  facts: EndpointFacts,
  d: FileDiagnostics,
  at: { line: number; col: number; length?: number } | undefined,
  what: { addressField: string; tool: string },
): { loadBalancer: SpecInput['loadBalancer']; endpoint: NonNullable<NonNullable<SpecInput['controlPlane']>['endpoint']> } {
  const port = facts.port ?? 6443;
  let vip = facts.address;
  if (vip === undefined || vip === '') {
    vip = facts.controlPlaneAddresses[0];
    d.warning(
      'IMPORT_NO_LB_ADDRESS',
      `${what.addressField} is empty: ${what.tool} then points clients at the first control-plane host${vip ? ` (${vip})` : ''}, a single point of failure; imported as loadBalancer.mode external at that address`,
      at,
      'add two hosts with role loadbalancer, set loadBalancer.mode: keepalived-haproxy and a free vip in their subnet, and kubeha runs keepalived+HAProxy in front of every apiserver',
    );
  } else {
    d.info(
      'IMPORT_EXTERNAL_LB',
      `the existing load balancer at ${vip}:${port} is imported as loadBalancer.mode external (the file does not describe LB machines)`,
      at,
      `to let kubeha run keepalived+HAProxy for this VIP instead, add two hosts with role loadbalancer in ${vip}'s subnet and set loadBalancer.mode: keepalived-haproxy (vip ${vip} stays)`,
    );
  }
  const loadBalancer: SpecInput['loadBalancer'] = vip !== undefined ? { mode: 'external', vip, port } : { mode: 'external', port };
  const endpoint: NonNullable<NonNullable<SpecInput['controlPlane']>['endpoint']> = {};
  if (vip !== undefined) endpoint.address = vip;
  if (facts.domain) endpoint.domain = facts.domain;
  endpoint.port = port;
  return { loadBalancer, endpoint };
}

/** Strict decimal integer from a number or a numeric string (KubeKey samples quote the port: "6443"). */
export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*\d{1,10}\s*$/.test(v)) return Number(v);
  return undefined;
}

/** The Kubernetes version as our schema accepts it (`v1.30.4`), or undefined. */
export function normaliseVersion(v: string): string | undefined {
  const s = v.trim();
  if (/^v?\d+\.\d+(\.\d+)?$/.test(s)) return s.startsWith('v') ? s : `v${s}`;
  return undefined;
}

/** Text of a scalar value (string, number, boolean); '' for anything else. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
}

export type SniffedFormat = 'ini-inventory' | 'kubekey' | 'kubeha';

/**
 * What kind of file `text` is at a glance, for the "wrong importer" diagnostic: an ansible INI inventory (its first
 * meaningful line is a `[group]` header), a KubeKey config or a kubeha spec (by apiVersion). Undefined otherwise.
 */
export function sniffFormat(text: string): { format: SniffedFormat; line: number; length: number } | undefined {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '' && !/^\s*[#;]/.test(l));
  const head = lines[first];
  if (head !== undefined && /^\[[^\]\s]+\]\s*([#;].*)?$/.test(head)) return { format: 'ini-inventory', line: first + 1, length: head.trim().length };
  const api = lines.findIndex((l) => /^apiVersion:\s*["']?(kubekey\.kubesphere\.io|kubeha\.io)\//.test(l));
  if (api >= 0) {
    const line = lines[api] ?? '';
    return { format: /kubeha\.io/.test(line) ? 'kubeha' : 'kubekey', line: api + 1, length: /^apiVersion:\s*\S+/.exec(line)?.[0].length ?? line.length };
  }
  return undefined;
}

/** The order of a host's roles in the written spec. */
export const ROLE_ORDER: readonly Role[] = ['loadbalancer', 'control-plane', 'etcd', 'worker'];

/** SSH settings every host shares, for the top-level `ssh`. */
export function commonSsh(hosts: readonly HostInput[]): HostInput['ssh'] | undefined {
  const first = hosts[0]?.ssh;
  if (!first || hosts.length === 0) return undefined;
  const out: NonNullable<HostInput['ssh']> = {};
  for (const key of ['user', 'port', 'keyFile'] as const) {
    const v = first[key];
    if (v !== undefined && hosts.every((h) => h.ssh?.[key] === v)) (out as Record<string, unknown>)[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Hosts with the shared SSH settings removed (they go to the top-level `ssh`). */
export function hoistSsh(hosts: HostInput[]): HostInput[] {
  const common = commonSsh(hosts);
  if (!common) return hosts;
  return hosts.map((h) => {
    if (!h.ssh) return h;
    const ssh = { ...h.ssh };
    for (const key of Object.keys(common) as (keyof typeof common)[]) delete ssh[key];
    const { ssh: _drop, ...rest } = h;
    return Object.keys(ssh).length > 0 ? { ...rest, ssh } : rest;
  });
}
