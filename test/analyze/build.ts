/** Hand-built HA models for analysis tests: a good baseline and small builders to break it. */
import type {
  Backend,
  Frontend,
  HaModel,
  HaproxyConfig,
  KeepalivedConfig,
  ModelHost,
  Server,
  VrrpInstance,
  VrrpScript,
} from '../../src/model/types.js';

export function server(name: string, address: string, o: Partial<Server> = {}): Server {
  return { name, address, port: 6443, check: true, checkSsl: false, ssl: false, interMs: 2000, fall: 3, rise: 2, backup: false, disabled: false, ...o };
}

export function backend(name: string, servers: Server[], o: Partial<Backend> = {}): Backend {
  return { name, mode: 'tcp', balance: 'roundrobin', servers, healthCheck: { type: 'tcp' }, redispatch: true, retries: 3, timeouts: { connectMs: 5000, serverMs: 4 * 3600_000, tunnelMs: 3600_000 }, ...o };
}

export function frontend(name: string, port: number, o: Partial<Frontend> = {}): Frontend {
  return { name, kind: 'frontend', mode: 'tcp', binds: [{ address: '*', port }], defaultBackend: name, useBackends: [], timeouts: { clientMs: 4 * 3600_000 }, ...o };
}

export const MASTERS = [
  { name: 'm1', address: '10.0.0.21' },
  { name: 'm2', address: '10.0.0.22' },
  { name: 'm3', address: '10.0.0.23' },
];

export function haproxy(o: { port?: number; fe?: Partial<Frontend>; be?: Partial<Backend>; srv?: Partial<Server>; frontends?: Frontend[] } = {}): HaproxyConfig {
  const port = o.port ?? 6443;
  const servers = MASTERS.map((m) => server(m.name, m.address, o.srv));
  return {
    global: { user: 'haproxy', statsSockets: [] },
    frontends: [frontend('kube-apiserver', port, o.fe), ...(o.frontends ?? [])],
    backends: [backend('kube-apiserver', servers, o.be)],
    unknown: [],
  };
}

export function script(name: string, cmd: string, o: Partial<VrrpScript> = {}): VrrpScript {
  return { name, script: cmd, intervalS: 1, weight: -20, weightReverse: false, fall: 2, rise: 2, ...o };
}

export function instance(o: Partial<VrrpInstance> = {}): VrrpInstance {
  return {
    name: 'VI_1',
    state: 'BACKUP',
    interface: 'eth0',
    virtualRouterId: 42,
    priority: 100,
    advertIntS: 1,
    version: 2,
    nopreempt: false,
    unicastPeers: [],
    vips: [{ address: '10.0.0.100', prefix: 32 }],
    trackScripts: [{ name: 'chk_haproxy' }],
    trackProcesses: [],
    trackFiles: [],
    trackInterfaces: [],
    ...o,
  };
}

export function keepalived(inst: VrrpInstance, o: Partial<KeepalivedConfig> = {}, scripts?: Record<string, VrrpScript>): KeepalivedConfig {
  return {
    scriptUser: 'root',
    enableScriptSecurity: true,
    vrrpStrict: false,
    scripts: scripts ?? { chk_haproxy: script('chk_haproxy', '/usr/bin/pidof haproxy') },
    processes: {},
    trackFiles: {},
    instances: [inst],
    unknown: [],
    ...o,
  };
}

export function host(name: string, address: string, o: Partial<ModelHost> = {}): ModelHost {
  return { name, address, sysctl: { 'net.ipv4.ip_nonlocal_bind': '1' }, files: {}, ...o };
}

export function masters(o: Partial<ModelHost> = {}): ModelHost[] {
  return MASTERS.map((m) => host(m.name, m.address, { apiserver: { port: 6443, certSANs: ['10.0.0.100', m.address] }, ...o }));
}

/**
 * Two dedicated LBs (lb0 10.0.0.10 and lb1 10.0.0.11, both BACKUP priority 100, pidof haproxy weight −20,
 * unicast peers), VIP 10.0.0.100:6443, HAProxy tcp on *:6443 with checks and redispatch, three masters.
 * Every rule is silent on it.
 */
export function goodModel(): HaModel {
  return {
    endpoint: { address: '10.0.0.100', port: 6443 },
    hosts: [
      host('lb0', '10.0.0.10', {
        haproxy: haproxy(),
        keepalived: keepalived(instance({ priority: 100, unicastSrcIp: '10.0.0.10', unicastPeers: ['10.0.0.11'] })),
      }),
      host('lb1', '10.0.0.11', {
        haproxy: haproxy(),
        keepalived: keepalived(instance({ priority: 100, unicastSrcIp: '10.0.0.11', unicastPeers: ['10.0.0.10'] })),
      }),
      ...masters(),
    ],
  };
}

/** A deep copy to mutate. */
export function clone<T>(x: T): T {
  return structuredClone(x);
}

export function lb(model: HaModel, name: string): ModelHost {
  const h = model.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
}

export function ka(model: HaModel, name: string): KeepalivedConfig {
  const k = lb(model, name).keepalived;
  if (!k) throw new Error(`no keepalived on ${name}`);
  return k;
}

export function inst(model: HaModel, name: string): VrrpInstance {
  const i = ka(model, name).instances[0];
  if (!i) throw new Error(`no instance on ${name}`);
  return i;
}

export function hap(model: HaModel, name: string): HaproxyConfig {
  const c = lb(model, name).haproxy;
  if (!c) throw new Error(`no haproxy on ${name}`);
  return c;
}

/** Applies `f` to both LBs of a model. */
export function bothLbs(model: HaModel, f: (h: ModelHost) => void): HaModel {
  for (const h of model.hosts) if (h.haproxy || h.keepalived) f(h);
  return model;
}
