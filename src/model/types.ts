/**
 * The HA model: one shape for both directions. A spec reaches it by being rendered and parsed back
 * (src/analyze/spec-analysis.ts), and configs already running on hosts are parsed into it (src/parse/). Analysis reads only this.
 * Every node carries an optional `at` (where it was read from) so findings can point at a file:line.
 */

export interface SourceRef {
  file: string;
  line: number;
  col?: number;
}

export interface HaModel {
  /** What clients connect to. */
  endpoint: { address: string; port: number; domain?: string };
  hosts: ModelHost[];
  /** An external (cloud/hardware) LB in front of the apiservers instead of keepalived, when there is one. */
  externalLb?: ExternalLb;
}

export interface ModelHost {
  name: string;
  address: string;
  /** Present when this host runs HAProxy. */
  haproxy?: HaproxyConfig;
  /** Present when this host runs keepalived. */
  keepalived?: KeepalivedConfig;
  /** Present when this host runs a kube-apiserver. */
  apiserver?: { port: number; certSANs?: string[]; certFile?: string };
  /** sysctl values in effect (from /etc/sysctl.d and /etc/sysctl.conf). */
  sysctl: Record<string, string>;
  /** Files present on the host that configs refer to (check scripts, track_file state files), path → content. */
  files: Record<string, string>;
  /**
   * The address this host's /etc/hosts gives the endpoint's domain (absent: no domain, or no entry: the host then
   * uses DNS, assumed to answer the endpoint address). A control-plane host mapping it to 127.0.0.1 or to itself
   * reaches its own apiserver without going through the load balancer.
   */
  endpointResolution?: { address: string; at?: SourceRef };
  /** Files that systemd units write from their hooks (ExecStartPre=, ExecStopPost=, …), read from the unit files and drop-ins under /etc/systemd/system. */
  unitFileWrites?: UnitFileWrite[];
}

/** "Unit X writes file F with content C when it starts / stops / reloads." */
export interface UnitFileWrite {
  /** `haproxy.service`. */
  unit: string;
  /** start: ExecStartPre/ExecStart/ExecStartPost (in that order); stop: ExecStop/ExecStopPost (also after a crash or kill); reload: ExecReload. */
  on: 'start' | 'stop' | 'reload';
  /** The directive as written (`ExecStopPost`). */
  directive: string;
  /** Absolute path. */
  file: string;
  /**
   * literal: `echo 1 > F` (value without the trailing newline); deleted: `rm -f F`;
   * unit-state: `if systemctl is-active U; then echo A; else echo B; fi > F`; unknown: written, content not understood.
   */
  content:
    | { kind: 'literal'; value: string }
    | { kind: 'deleted' }
    | { kind: 'unit-state'; unit: string; active: string; inactive: string }
    | { kind: 'unknown' };
  at?: SourceRef;
}

export interface ExternalLb {
  address: string;
  port: number;
  backends: Endpoint[];
  /** Whether a backend can reach itself through the LB. Many cloud L4 LBs cannot. */
  hairpin: boolean;
  healthCheck: boolean;
}

// ---------- HAProxy ----------

export interface HaproxyConfig {
  at?: SourceRef;
  global: HaproxyGlobal;
  frontends: Frontend[];
  backends: Backend[];
  /** Keywords we do not model, kept for info findings. */
  unknown: { keyword: string; section: string; at?: SourceRef }[];
}

export interface HaproxyGlobal {
  user?: string;
  /** `ssl-server-verify none|required` (default required: servers with `ssl`/`check-ssl` need `verify none` or a `ca-file`). */
  sslServerVerify?: 'none' | 'required';
  statsSockets: string[];
  maxconn?: number;
}

export interface Bind {
  /** `*`, `0.0.0.0`, `::` mean every address. */
  address: string;
  port: number;
  /** Last port of a range (`bind :6443-6445`); absent for a single port. */
  portEnd?: number;
  /** `ssl` on the bind line (TLS terminated by HAProxy). */
  ssl?: boolean;
  /** `transparent` (IP_TRANSPARENT): the address may be foreign to the host, like net.ipv4.ip_nonlocal_bind=1. */
  transparent?: boolean;
  /** `interface NAME` (SO_BINDTODEVICE): only traffic arriving on that interface. */
  interface?: string;
  /**
   * `v6only` on an IPv6 wildcard: no IPv4 clients; `v4v6` (false): both; absent: the host's net.ipv6.bindv6only
   * decides, and `v6onlyBySysctl` says it was that.
   */
  v6only?: boolean;
  v6onlyBySysctl?: boolean;
  /** `accept-proxy`: every connection must start with a PROXY protocol header (a client's TLS hello does not). */
  acceptProxy?: boolean;
  at?: SourceRef;
}

export interface StatsPage {
  bind: Bind[];
  /** `user:password` pairs as written. */
  auth: string[];
  uri?: string;
  at?: SourceRef;
}

export interface Frontend {
  name: string;
  /** `listen` sections are both a frontend and a backend. */
  kind: 'frontend' | 'listen';
  mode: 'tcp' | 'http';
  binds: Bind[];
  defaultBackend?: string;
  /** Backends reachable by `use_backend` rules. */
  useBackends: string[];
  /** `use_backend NAME [if|unless COND]` in order, the condition's words as written. */
  routes?: { backend: string; cond: string[]; at?: SourceRef }[];
  /** `acl NAME CRITERION…` lines by name (several lines of one name are OR'ed). */
  acls?: Record<string, string[][]>;
  /** `tcp-request inspect-delay`: content fetches (req.ssl_sni, req.ssl_hello_type) wait for the client's data. */
  inspectDelayMs?: number;
  /** `tcp-request connection|session|content ACTION [ARGS] [if|unless COND]`, in the order written. */
  tcpRequests?: TcpRequestRule[];
  timeouts: Timeouts;
  stats?: StatsPage;
  /** `disabled` (in the section or its defaults): HAProxy opens none of its binds. */
  disabled?: boolean;
  at?: SourceRef;
}

export interface TcpRequestRule {
  /** Inherited from a named defaults section (`from NAME`, or the last defaults). */
  fromDefaults?: boolean;
  layer: 'connection' | 'session' | 'content';
  action: string;
  args: string[];
  /** The condition's words as written, `if`/`unless` first; empty: always. */
  cond: string[];
  at?: SourceRef;
}

export interface Timeouts {
  connectMs?: number;
  clientMs?: number;
  serverMs?: number;
  tunnelMs?: number;
  checkMs?: number;
  /** `timeout client-fin` etc. kept by name. */
  other?: Record<string, number>;
  /** Timeouts written without a unit (HAProxy reads milliseconds), by name (`client`, `client-fin`) → the text as written. */
  unitless?: Record<string, string>;
}

export type HealthCheckKind =
  | { type: 'tcp' } // plain `check`: TCP connect
  | {
      type: 'http';
      method: string;
      path: string;
      ssl: boolean;
      expect?: string;
      /** HTTP version as written (`HTTP/1.1`), when given. */
      version?: string;
      /** `Host` header sent by the check, when given (`hdr Host x` or the old `\r\nHost:` form). */
      host?: string;
      /** `http-check connect port N` / `addr A` written before any send/expect: where the check connects. */
      connectPort?: number;
      connectAddr?: string;
    }
  | { type: 'tcp-check'; steps: string[] }
  /** `option ssl-hello-chk`: sends an SSLv3 client hello (modern TLS servers such as kube-apiserver reject it). */
  | { type: 'ssl-hello' }
  /** Other check options (`mysql-check`, `pgsql-check`, `redis-check`, `smtpchk`, `ldap-check`, `external-check`). */
  | { type: 'other'; option: string };

export interface Backend {
  name: string;
  mode: 'tcp' | 'http';
  balance?: string;
  servers: Server[];
  /** The check used by servers that have `check`. */
  healthCheck: HealthCheckKind;
  redispatch: boolean;
  /**
   * `option redispatch <interval>` (when redispatch is on): P > 0 every Pth retry goes to another server, N < 0 the
   * Nth retry before the last (-1, the default: only the last). Retries on the same server wait a turn-around of
   * min(timeout connect, 1 s) each (configuration.txt, "retries").
   */
  redispatchEvery?: number;
  retries?: number;
  timeouts: Timeouts;
  /** `disabled` (in the section or its defaults): the backend takes no traffic. */
  disabled?: boolean;
  at?: SourceRef;
}

export interface Server {
  name: string;
  address: string;
  /** The name written in the config when `address` is what the LB host's /etc/hosts gives it. */
  addressName?: string;
  port: number;
  check: boolean;
  /** `check-ssl` or `ssl` on the server line (after default-server inheritance). */
  checkSsl: boolean;
  ssl: boolean;
  interMs: number;
  fastinterMs?: number;
  downinterMs?: number;
  fall: number;
  rise: number;
  backup: boolean;
  disabled: boolean;
  weight?: number;
  /** `port N`: health checks go to this port instead of the traffic port. */
  checkPort?: number;
  /** `addr A`: health checks go to this address instead. */
  checkAddr?: string;
  /** `verify none|required` as written. */
  verify?: string;
  /** `ca-file` as written. */
  caFile?: string;
  /** `sni EXPR` as written (only used with `ssl`). */
  sni?: string;
  /** `send-proxy` (v1) or `send-proxy-v2[-ssl[-cn]]` (v2): a PROXY protocol header before the client's bytes. */
  sendProxy?: 'v1' | 'v2';
  /**
   * The health check sends a PROXY header: `check-send-proxy`, or `send-proxy*` on a server whose checks go to its
   * traffic port (HAProxy src/check.c init_srv_check: checks inherit the traffic's PROXY header without `port`/`addr`).
   */
  checkSendProxy?: boolean;
  /** Where each option that changes the bytes on the wire was set (the server line or a `default-server` line). */
  optionAt?: Partial<Record<ServerWireOption, SourceRef>>;
  at?: SourceRef;
}

/** Server options whose position findings name. */
export type ServerWireOption = 'ssl' | 'check-ssl' | 'send-proxy' | 'check-send-proxy' | 'verify' | 'sni' | 'ca-file';

export interface Endpoint {
  address: string;
  port: number;
}

// ---------- keepalived ----------

export interface KeepalivedConfig {
  at?: SourceRef;
  routerId?: string;
  scriptUser?: string;
  enableScriptSecurity: boolean;
  vrrpStrict: boolean;
  /** Global `vrrp_check_unicast_src`. */
  vrrpCheckUnicastSrc?: boolean;
  /** `vrrp_script` blocks by name (whether or not any instance tracks them). */
  scripts: Record<string, VrrpScript>;
  /** `track_process` blocks by name. */
  processes: Record<string, TrackProcess>;
  /** `track_file` blocks by name. */
  trackFiles: Record<string, TrackFile>;
  instances: VrrpInstance[];
  /** `vrrp_sync_group` blocks (kept as written; instances in a group fail over together). */
  syncGroups?: VrrpSyncGroup[];
  /** Global `vrrp_version` from global_defs (instances without `version` use it; keepalived's default is 2). */
  vrrpVersion?: 2 | 3;
  /** Global `vrrp_rt_priority` (1..99): the VRRP process runs with realtime (SCHED_RR) scheduling at that priority. */
  vrrpRtPriority?: number;
  unknown: { keyword: string; section: string; at?: SourceRef }[];
}

export interface VrrpSyncGroup {
  name: string;
  instances: string[];
  trackScripts: TrackRef[];
  /** `track_file` on the group: acts on every member. */
  trackFiles?: TrackRef[];
  /** `sync_group_tracking_weight` (or the deprecated `global_tracking`): members keep their weighted trackers. */
  trackingWeight?: boolean;
  at?: SourceRef;
}

export interface VrrpScript {
  name: string;
  script: string;
  intervalS: number;
  timeoutS?: number;
  /** Default 0: a failing script puts tracking instances in FAULT. */
  weight: number;
  /** `weight N reverse`. */
  weightReverse: boolean;
  fall: number;
  rise: number;
  user?: string;
  /** `init_fail`: the script starts in the failed state. */
  initFail?: boolean;
  at?: SourceRef;
}

export interface TrackProcess {
  name: string;
  process: string;
  weight: number;
  quorum: number;
  delayS?: number;
  at?: SourceRef;
}

export interface TrackFile {
  name: string;
  file: string;
  /** The file's number × weight is added to the priority; weight 0: any non-zero number puts the instance in FAULT. */
  weight: number;
  /** `weight N reverse`. */
  weightReverse?: boolean;
  /** `init_file [VALUE] [overwrite]`: keepalived writes VALUE (default 0) at start-up when the file is absent (always with overwrite). */
  init?: { value: number; overwrite: boolean };
  at?: SourceRef;
}

/** A reference from an instance to a tracker, with an optional per-instance weight override. */
export interface TrackRef {
  name: string;
  weight?: number;
  weightReverse?: boolean;
  at?: SourceRef;
}

export interface VrrpInstance {
  name: string;
  state: 'MASTER' | 'BACKUP';
  interface: string;
  virtualRouterId: number;
  priority: number;
  advertIntS: number;
  version: 2 | 3;
  nopreempt: boolean;
  preemptDelayS?: number;
  auth?: { type: 'PASS' | 'AH'; pass: string };
  unicastSrcIp?: string;
  /** `check_unicast_src` (or global `vrrp_check_unicast_src`): unicast adverts from addresses not in unicastPeers are dropped. */
  checkUnicastSrc?: boolean;
  unicastPeers: string[];
  vips: Vip[];
  trackScripts: TrackRef[];
  trackProcesses: TrackRef[];
  trackFiles: TrackRef[];
  trackInterfaces: TrackRef[];
  at?: SourceRef;
}

export interface Vip {
  address: string;
  /** Prefix length as written; undefined = /32 (keepalived's default). */
  prefix?: number;
  dev?: string;
  /** `label eth0:1` as written. */
  label?: string;
  /** From `virtual_ipaddress_excluded`: configured on the master but not carried in its adverts. */
  excluded?: boolean;
  at?: SourceRef;
}
