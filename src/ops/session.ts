import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { didYouMean } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { listLabs } from '../lab/state.js';
import type { LabState } from '../lab/state.js';
import { ETCD_USER } from '../render/control-plane-packages.js';
import { renderCluster } from '../render/index.js';
import type { RenderedHost } from '../render/types.js';
import { NetnsDialer } from '../remote/netns-dial.js';
import type { NetnsDialerOptions } from '../remote/netns-dial.js';
import { SshPool, targetsFromSpec } from '../remote/ssh.js';
import type { RemoteHost, SshTarget } from '../remote/ssh.js';
import { defaultStateDir, loadOrCreateSecrets } from '../state/secrets.js';
import { pkiNeeded, withPkiFiles } from '../pki/files.js';
import type { IssueResult } from '../pki/types.js';
import { loadOrIssuePki } from '../state/pki.js';
import { isKubeadmMode } from '../render/kubeadm.js';

/**
 * A session: one spec, loaded once, with everything the use cases (plan, apply, collect-running, and later drills and
 * day-2 commands) need to act on its hosts: the state directory and secrets, the files rendered once, and SSH reach
 * (one pool of connections, the targets with their keys; the lab's key and known_hosts for lab hosts).
 */

export interface SessionOptions {
  /** Only these hosts (names of the spec); an unknown name is bad input. */
  only?: readonly string[];
  /** known_hosts checked strictly. @default the lab's for lab hosts, else ~/.ssh/known_hosts */
  knownHostsFile?: string;
  /** Trust and record keys of hosts absent from known_hosts. @default false */
  acceptNewHostKeys?: boolean;
  /** Secrets and the apply journal. @default .kubeha/<cluster name> next to the spec */
  stateDir?: string;
  /** Hosts handled at once. @default 8 */
  parallel?: number;
  /** Timeout of one remote command. @default 120000 */
  commandTimeoutMs?: number;
  /**
   * The network namespace the hosts are reached from: this process opens its connections inside it (through a relay,
   * src/remote/netns-dial.ts). @default the lab's taskbox for lab hosts; this process's own namespace otherwise
   */
  netns?: string;
  /** Re-issue the PKI's leaves that are due (the default, as every apply does) or all of them (`certs renew --all`). */
  renewPki?: 'due' | 'all';
  /**
   * Issue the PKI when the session opens (binary mode) and render its files. `certs check` passes false: it reads
   * the state directory and never writes it. @default true
   */
  issuePki?: boolean;
  /** The clock the PKI is issued and checked against. @default new Date() */
  now?: Date;
}

export interface Session {
  specPath: string;
  spec: ClusterSpec;
  /** The running lab whose hosts are the spec's hosts, if any. */
  lab: LabState | undefined;
  stateDir: string;
  /** What each selected host should run (--only applied). */
  rendered: RenderedHost[];
  /** What every host of the spec should run (the planner's view of the other hosts, e.g. the other apiservers). */
  cluster: RenderedHost[];
  targets: Map<string, SshTarget>;
  /** The network namespace this process opens its connections in (the lab's taskbox for lab hosts), if not its own. */
  netns: string | undefined;
  parallel: number;
  /**
   * The cluster's PKI from the state directory, with what the spec needs and lacks (or what is due) issued and saved,
   * once per session. When kubeha installs the control plane (pkiNeeded), it was issued when the session opened and
   * `rendered` holds its files.
   */
  pki(): Promise<IssueResult>;
  /** The host's commands, over the session's one connection to it. */
  remote(host: string): RemoteHost;
  /** Drops the connection to a host (it was power-cycled): its next command reconnects. */
  forget(host: string): void;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** The lab (state `up`) whose hosts include every host of the spec, at the same addresses. */
export async function labForSpec(spec: ClusterSpec): Promise<LabState | undefined> {
  const labs = await listLabs().catch(() => []);
  return labs.find((l) => l.phase === 'up' && spec.hosts.every((h) => l.plan.hosts.some((lh) => lh.name === h.name && lh.address === h.address)));
}

/** Only the named hosts; an unknown name is bad input with a did-you-mean. */
export function selectHosts(rendered: RenderedHost[], only: readonly string[] | undefined): RenderedHost[] {
  if (!only) return rendered;
  const all = rendered.map((r) => r.host);
  const unknown = only.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    throw new InputError(
      unknown.map((n) => {
        const guess = didYouMean(n, all);
        return { code: 'E_ONLY_HOST', severity: 'error' as const, message: `--only names "${n}", which is not a host of the spec`, hint: guess ? `did you mean "${guess}"?` : `hosts: ${all.join(', ')}` };
      }),
    );
  }
  return rendered.filter((r) => only.includes(r.host));
}

/**
 * Opens a session on a spec that was loaded (and validated) once by the caller. Connections open lazily, on a host's
 * first command, all hosts at once when the use case runs them in parallel.
 */
export async function openSession(specPath: string, spec: ClusterSpec, options: SessionOptions = {}, lab?: LabState): Promise<Session> {
  const specDir = dirname(resolve(specPath));
  const resolveKey = (k: string): string => (k.startsWith('~/') ? join(homedir(), k.slice(2)) : isAbsolute(k) ? k : resolve(specDir, k));
  const targets = targetsFromSpec(spec.hosts, resolveKey);
  if (lab) for (const t of targets.values()) t.keyFile ??= lab.plan.keyFile;
  const netns = options.netns ?? lab?.plan.taskbox.netns;
  const dialer = netns ? await netnsDialer(netns, [...targets.values()], lab) : undefined;
  // Started first: its start-up overlaps the rendering, the bundle look-up and loading ssh2.
  dialer?.start();
  const stateDir = options.stateDir ?? defaultStateDir(resolve(specPath), spec);
  const issue = (): Promise<IssueResult> => loadOrIssuePki(stateDir, spec, options.now ?? new Date(), options.renewPki ? { renew: options.renewPki } : {});
  let pki: Promise<IssueResult> | undefined;
  let cluster: RenderedHost[];
  let rendered: RenderedHost[];
  try {
    const secrets = await loadOrCreateSecrets(stateDir, spec);
    pki = options.issuePki !== false && pkiNeeded(spec) ? issue() : undefined;
    // kubeadm mode renders join's discovery kubeconfig with the cluster CA.
    const ca = pki && isKubeadmMode(spec) ? (await pki).pki.certs.ca?.cert : undefined;
    const all = renderCluster(spec, secrets, ca !== undefined ? { clusterCaCert: ca } : {});
    // etcd runs as its own user (render/control-plane-packages.ts): its keys are that user's.
    cluster = pki ? withPkiFiles(spec, all, (await pki).pki, { owners: { etcd: ETCD_USER } }) : all;
    rendered = selectHosts(cluster, options.only);
  } catch (err) {
    dialer?.close();
    throw err;
  }
  const knownHostsFile = options.knownHostsFile ?? lab?.plan.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const pool = new SshPool({ knownHostsFile, acceptNewHostKeys: options.acceptNewHostKeys === true, commandTimeoutMs: options.commandTimeoutMs ?? 120_000, ...(dialer ? { dial: dialer.dial } : {}) });
  return {
    specPath,
    spec,
    lab,
    stateDir,
    rendered,
    cluster,
    targets,
    netns,
    parallel: options.parallel ?? 8,
    pki: () => (pki ??= issue()),
    remote: (host) => {
      const target = targets.get(host);
      if (!target) throw new Error(`no SSH target for host ${host}`);
      return pool.host(target);
    },
    forget: (host) => {
      const target = targets.get(host);
      if (target) pool.forget(target);
    },
    close: async () => {
      await pool.close();
      dialer?.close();
    },
  };
}

/** The endpoints (address:port) connections are opened to: each target's, or its jump host's when it has one. */
export function dialedEndpoints(targets: readonly SshTarget[]): string[] {
  const first = (t: SshTarget): SshTarget => (t.jump ? first(t.jump) : t);
  return [...new Set(targets.map(first).map((t) => `${t.address}:${t.port ?? 22}`))];
}

/**
 * What a relay in a namespace may dial: the session's endpoints; when the namespace is a lab's, only those that are
 * the lab's hosts (a relay in a lab's namespace never dials anything else).
 */
export function relayEndpoints(targets: readonly SshTarget[], lab?: LabState): NetnsDialerOptions {
  const endpoints = dialedEndpoints(targets);
  if (!lab) return { allowed: endpoints };
  const hosts = new Set(lab.plan.hosts.map((h) => h.address));
  return { allowed: endpoints.filter((e) => hosts.has(e.slice(0, e.lastIndexOf(':')))), refusal: `not a host of lab ${lab.plan.lab}` };
}

/** Connections opened inside `netns`; the lab that namespace belongs to, if any, bounds what they may reach. */
async function netnsDialer(netns: string, targets: readonly SshTarget[], lab: LabState | undefined): Promise<NetnsDialer> {
  const inLab = (l: LabState): boolean => l.plan.taskbox.netns === netns || l.plan.switchNetns === netns || l.plan.hosts.some((h) => h.netns === netns);
  const owner = lab && inLab(lab) ? lab : (await listLabs().catch(() => [])).find(inLab);
  return new NetnsDialer(netns, relayEndpoints(targets, owner));
}
