import type { Bind, Server, ServerWireOption, SourceRef, StatsPage, Timeouts } from '../../model/types.js';
import type { Token } from '../sink.js';

/** What `server` and `default-server` lines set; unset fields fall back to `default-server`, then to HAProxy's defaults. */
export interface ServerParams {
  check?: boolean;
  checkSsl?: boolean;
  ssl?: boolean;
  verify?: string;
  interMs?: number;
  fastinterMs?: number;
  downinterMs?: number;
  fall?: number;
  rise?: number;
  backup?: boolean;
  disabled?: boolean;
  weight?: number;
  checkPort?: number;
  checkAddr?: string;
  caFile?: string;
  sni?: string;
  sendProxy?: 'v1' | 'v2' | false;
  checkSendProxy?: boolean;
  /** Where each wire option was last set (a `default-server` line or the server line). */
  optionAt?: Partial<Record<ServerWireOption, SourceRef>>;
}

export type CheckOption =
  | { kind: 'httpchk'; method: string; path: string; version?: string; host?: string }
  | { kind: 'tcp-check' }
  | { kind: 'ssl-hello' }
  | { kind: 'other'; option: string };

/** Everything a `defaults` section passes on to the proxies that follow it. */
export interface Settings {
  mode?: 'tcp' | 'http';
  balance?: string;
  timeouts: Timeouts;
  check?: CheckOption;
  httpSend?: { method?: string; path?: string; version?: string; host?: string };
  /** `http-check connect [port N] [ssl] …`: the check's own connection (2.2+); `ssl` makes it TLS. */
  httpConnect?: { ssl: boolean; port?: number; addr?: string; first: boolean };
  httpExpect?: string;
  tcpSteps: string[];
  redispatch?: boolean;
  /** `option redispatch <interval>`: the argument (-1 when none). */
  redispatchEvery?: number;
  retries?: number;
  defaultServer: ServerParams;
  stats?: StatsPage;
  /** `tcp-request inspect-delay` (proxies, named defaults). */
  inspectDelayMs?: number;
  /** `tcp-request connection|session|content ACTION … [if|unless COND]` in order; a named defaults' come first. */
  tcpRequests: TcpRequestLine[];
  /** `disabled` / `enabled`: the last one written (a defaults section passes it on). */
  disabled?: boolean;
}

export type TcpRequestLayer = 'connection' | 'session' | 'content';

export interface TcpRequestLine {
  /** Written in a (named) defaults section. */
  fromDefaults?: boolean;
  layer: TcpRequestLayer;
  action: string;
  args: string[];
  cond: string[];
  tok: Token;
}

/** A frontend, backend or listen section while it is read. */
export interface Proxy {
  kind: 'frontend' | 'backend' | 'listen';
  name: string;
  nameTok: Token;
  s: Settings;
  /** Whether http-check/tcp-check rules were written in this section (they then replace inherited ones). */
  ownHttpRules: boolean;
  ownTcpRules: boolean;
  binds: Bind[];
  defaultBackend?: { name: string; tok: Token };
  useBackends: { name: string; tok: Token; cond: string[] }[];
  acls: Record<string, string[][]>;
  servers: Server[];
  /** The address token of each server line, by server name (where a per-server error points). */
  serverToks: Map<string, Token>;
}

export function emptySettings(): Settings {
  return { timeouts: {}, tcpSteps: [], defaultServer: {}, tcpRequests: [] };
}

export function cloneSettings(s: Settings): Settings {
  return structuredClone(s);
}
