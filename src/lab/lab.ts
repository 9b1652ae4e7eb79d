import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EnvironmentError, InputError } from '../diag/errors.js';
import { ensureBaseImage } from './base-image.js';
import { delayerPids } from './delayer.js';
import { powerState, stopHost, type PowerState } from './faults.js';
import { mountsUnder } from './cache.js';
import { bootHost, mountOverlay, prepareCgroups, removeCgroups, removeLabCgroups, unmountOverlay, writeIdentity } from './hosts.js';
import { labNameProblem, netnsPrefix } from './names.js';
import { createLabNetwork, deleteNetns, labNetnsList, netnsIdentity, rootNetworks, switchPortStates } from './network.js';
import { checkClashes, planLab, type LabHostPlan, type LabInput, type LabPlan } from './plan.js';
import { isAlive, pidsInNetns, pidsWithArgPrefix, refsOf, signal, waitGone, waitReaped } from './procs.js';
import { unmount } from './run.js';
import { waitForLabSsh } from './ssh-ready.js';
import { ed25519KeyPair } from './ssh-keys.js';
import { labsRoot, listLabs, readState, writeState, type LabState } from './state.js';

/** The lab's life cycle: up, status, down. The CLI (src/cli/lab.ts) is a thin shell over these. */

export interface LabEvent {
  /** Host the event concerns; absent for lab-wide steps. */
  host?: string;
  message: string;
  /** Seconds since `up` started. */
  at: number;
}

export interface UpOptions {
  onEvent?: (e: LabEvent) => void;
  /** How long to wait for SSH on every host. @default 60000 */
  sshTimeoutMs?: number;
}

const TOOLS: [string, string][] = [
  ['systemd-nspawn', 'systemd-container'],
  ['debootstrap', 'debootstrap'],
  ['ip', 'iproute2'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['mount', 'mount'],
];

function which(cmd: string): boolean {
  return (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && existsSync(`${d}/${cmd}`));
}

/** Root and the tools, or an EnvironmentError naming the Debian package to install. */
export function preflight(tools: [string, string][] = TOOLS): void {
  if (process.getuid?.() !== 0) throw new EnvironmentError('the lab needs root (network namespaces, mounts, systemd-nspawn)', 'run it as root, e.g. sudo kubeha lab …');
  const missing = tools.filter(([cmd]) => !which(cmd));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, p]) => p))];
    throw new EnvironmentError(`missing ${missing.map(([c]) => c).join(', ')}`, `install the Debian package${pkgs.length > 1 ? 's' : ''}: apt-get install ${pkgs.join(' ')}`);
  }
}

/** Plans the lab and checks it against this machine; throws InputError and changes nothing on a problem. */
export async function planChecked(input: LabInput): Promise<LabPlan> {
  const { plan, diagnostics } = planLab({ ...input, stateRoot: input.stateRoot ?? labsRoot() });
  if (!plan) throw new InputError(diagnostics);
  const existing = (await listLabs()).map((s) => ({ lab: s.plan.lab, subnet: s.plan.subnet, addresses: [...s.plan.hosts.map((h) => h.address), s.plan.taskbox.address] }));
  if (existsSync(plan.dir) && !existing.some((e) => e.lab === plan.lab)) existing.push({ lab: plan.lab, subnet: '', addresses: [] });
  const clashes = checkClashes(plan, existing, await rootNetworks(), input.file);
  if (clashes.length > 0) throw new InputError(clashes);
  return plan;
}

export async function labUp(input: LabInput, opts: UpOptions = {}): Promise<LabState> {
  const t0 = Date.now();
  const emit = (message: string, host?: string): void => opts.onEvent?.({ message, at: (Date.now() - t0) / 1000, ...(host ? { host } : {}) });
  preflight();
  const plan = await planChecked(input);
  if (plan.assumedPrefix) emit(`subnet ${plan.subnet} (assumed: the /24 of the hosts, since the spec gives no network.hostCIDR)`);
  const base = await ensureBaseImage({ onProgress: (m) => emit(m) });
  emit(base.built ? `base image built in ${base.seconds.toFixed(0)} s: ${base.rootfs}` : `base image: ${base.rootfs} (cached)`);

  await mkdir(dirname(plan.dir), { recursive: true });
  try {
    // Exclusive: two `lab up` of one name cannot both pass.
    await mkdir(plan.dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new InputError([{ code: 'LAB_EXISTS', severity: 'error', message: `a lab named "${plan.lab}" already exists`, hint: `remove it with \`kubeha lab down --name ${plan.lab}\`` }]);
    throw e;
  }
  const state: LabState = { version: 1, plan, baseRootfs: base.rootfs, createdAt: new Date().toISOString(), creator: process.pid, phase: 'creating', processes: {} };
  // Writes are queued: hosts come up in parallel and each records its PID.
  let writes = Promise.resolve();
  const save = (): Promise<void> => (writes = writes.then(() => writeState(state)));
  await save();

  const timeout = opts.sshTimeoutMs ?? 60_000;
  try {
    const labKey = ed25519KeyPair(`kubeha-lab-${plan.lab}`);
    await writeFile(plan.keyFile, labKey.private, { mode: 0o600 });
    await writeFile(`${plan.keyFile}.pub`, `${labKey.public}\n`);
    await createLabNetwork(plan);
    emit(`switch ${plan.switchNetns} (bridge ${plan.bridge}), taskbox ${plan.taskbox.netns} at ${plan.taskbox.address}, ${plan.hosts.length} host namespaces`);
    // Every host's overlay and identity first (its key is in known_hosts before anything connects: the SSH checks
    // below start after this block), then all boot at once: a host that starts late is the one everyone waits for.
    const known = await Promise.all(
      plan.hosts.map(async (h) => {
        await mountOverlay(h, base.rootfs);
        const line = await writeIdentity(h, labKey.public);
        emit(`netns ${h.netns}, ${h.ifname} ${h.address}/${h.prefix}, overlay, host key`, h.name);
        return line;
      }),
    );
    await writeFile(plan.knownHostsFile, known.sort().join('\n') + '\n', { mode: 0o600 });
    const cgroups = await Promise.all(plan.hosts.map((h) => prepareCgroups(h)));
    plan.hosts.forEach((h, i) => (state.processes[h.name] = bootHost(h, cgroups[i] ?? [])));
    // Recorded at once: a `lab up` killed now leaves a state that names every host it started.
    await save();
    for (const h of plan.hosts) emit(`booting (pid ${state.processes[h.name]?.pid ?? '?'}) at ${h.address}`, h.name);
  } catch (e) {
    emit(`setup failed; removing what was made`);
    await labDown(plan.lab).catch(() => undefined);
    throw e;
  }

  const notReady = await waitForLabSsh(plan, plan.hosts, timeout, (h) => emit('ssh ready', h.name));
  for (const name of notReady) emit(`not reachable over ssh after ${timeout / 1000} s (console: ${plan.hosts.find((h) => h.name === name)?.log ?? '?'})`, name);
  state.phase = 'up';
  await save();
  if (notReady.length > 0)
    throw new EnvironmentError(`lab "${plan.lab}": ${notReady.join(', ')} not reachable over SSH`, `see the console logs under ${plan.dir}/hosts/<host>/console.log; remove the lab with kubeha lab down --name ${plan.lab}`);
  return state;
}

export interface HostStatus {
  name: string;
  address: string;
  netns: string;
  machine: string;
  pid: number | null;
  power: PowerState;
  link: 'up' | 'down' | 'absent';
  ssh: string;
}

export interface LabStatus {
  lab: string;
  /** `interrupted`: the `lab up` that was creating it is gone (killed); `lab down` removes what it made. */
  phase: LabState['phase'] | 'interrupted';
  subnet: string;
  createdAt: string;
  stateFile: string;
  keyFile: string;
  knownHostsFile: string;
  switchNetns: string;
  taskbox: { netns: string; address: string };
  hosts: HostStatus[];
}

export async function labStatus(state: LabState): Promise<LabStatus> {
  const p = state.plan;
  const portStates = switchPortStates(p);
  return {
    lab: p.lab,
    phase: state.phase === 'creating' && !isAlive(state.creator) ? 'interrupted' : state.phase,
    subnet: p.subnet,
    createdAt: state.createdAt,
    stateFile: p.stateFile,
    keyFile: p.keyFile,
    knownHostsFile: p.knownHostsFile,
    switchNetns: p.switchNetns,
    taskbox: { netns: p.taskbox.netns, address: p.taskbox.address },
    hosts: await Promise.all(
      p.hosts.map(async (h: LabHostPlan) => {
        const power = powerState(state, h);
        const ports = await portStates;
        return {
          name: h.name,
          address: h.address,
          netns: h.netns,
          machine: h.machine,
          pid: power === 'off' ? null : (state.processes[h.name]?.pid ?? null),
          power,
          link: ports.get(h.port) ?? 'absent',
          ssh: `kubeha lab ssh ${h.name}${p.lab ? ` --name ${p.lab}` : ''}`,
        };
      }),
    ),
  };
}

/**
 * Removes everything of the lab: host processes (clean halt, then SIGKILL), any process left in its
 * namespaces, overlay mounts, namespaces (their veths and the bridge go with them), the state directory.
 * Idempotent; works from the state file alone. Returns what it removed, and only once the hosts' supervisors and
 * nspawns are gone from the process table (reaped, not only dead), so that `lab down && lab up` never overlaps.
 */
export async function labDown(lab: string, opts: { graceMs?: number } = {}): Promise<string[]> {
  // The name becomes paths that are removed: only a valid lab name (never `..` or `/`).
  checkLabName(lab);
  // Every host's supervisor and nspawn carries `--machine=<lab>.<host>` (`.` never occurs in a lab name).
  const hosts = refsOf(pidsWithArgPrefix(`--machine=${lab}.`));
  const done = await removeLab(lab, opts.graceMs ?? 10_000);
  await waitReaped(hosts, 10_000);
  return done;
}

async function removeLab(lab: string, graceMs: number): Promise<string[]> {
  // A damaged state file: remove what the lab's names find (below), as when there is none.
  const state = await readState(lab).catch((e: unknown) => {
    if (e instanceof EnvironmentError) return undefined;
    throw e;
  });
  const done: string[] = [];
  if (state) {
    const plan = state.plan;
    // The links' packet delayers first (by PID; they let what they hold go), so nothing holds packets while hosts halt.
    const delayers = delayerPids(state);
    for (const p of delayers) signal(p, 'SIGTERM');
    if (!(await waitGone(delayers, 3000))) for (const p of delayers) signal(p, 'SIGKILL');
    await Promise.all(plan.hosts.map((h) => stopHost(state, h, true, graceMs)));
    const namespaces = await labNetnsList(plan, netnsPrefix(lab));
    // Anything else still inside the lab's namespaces (exec-client, ssh sessions): killed by PID.
    const stragglers = namespaces.flatMap((n) => {
      const id = netnsIdentity(n);
      return id ? pidsInNetns(id) : [];
    });
    for (const p of stragglers) signal(p, 'SIGKILL');
    await waitGone(stragglers, 5000);
    for (const h of plan.hosts) {
      await unmountOverlay(h);
      await removeCgroups(h);
      await rmdir(`/run/systemd/nspawn/propagate/${h.machine}`).catch(() => undefined);
    }
    for (const n of namespaces) {
      await deleteNetns(n);
      done.push(`netns ${n}`);
    }
    // The state file names the directory: remove it only when it is where labs live, never anything else.
    if (plan.dir === join(labsRoot(), lab) || plan.dir.endsWith(`/kubeha/labs/${lab}`)) {
      await rm(plan.dir, { recursive: true, force: true });
      done.push(`state ${plan.dir}`);
    } else {
      throw new EnvironmentError(`lab "${lab}": not removing ${plan.dir}, which is not a lab directory`, `remove it by hand if it is yours; KUBEHA_LAB_ROOT is ${labsRoot()}`);
    }
  } else {
    // No usable state (never written, damaged, or already removed): remove what carries the lab's names: its hosts'
    // nspawns and supervisors (`--machine=<lab>.<host>`), anything in its namespaces, the mounts under its directory,
    // its namespaces and cgroups, and the directory itself.
    const hosts = pidsWithArgPrefix(`--machine=${lab}.`);
    for (const p of hosts) signal(p, 'SIGTERM');
    if (!(await waitGone(hosts, graceMs))) for (const p of hosts) signal(p, 'SIGKILL');
    await waitGone(hosts, 5000);
    const present = await readdir('/run/netns').catch(() => [] as string[]);
    const namespaces = present.filter((x) => x.startsWith(netnsPrefix(lab)));
    const pids = namespaces.flatMap((n) => {
      const id = netnsIdentity(n);
      return id ? pidsInNetns(id) : [];
    });
    for (const p of pids) signal(p, 'SIGKILL');
    await waitGone(pids, 5000);
    const dir = join(labsRoot(), lab);
    for (const m of mountsUnder(await readFile('/proc/mounts', 'utf8'), dir)) {
      await unmount(m).catch(() => undefined);
      done.push(`mount ${m}`);
    }
    for (const n of namespaces) {
      await deleteNetns(n);
      done.push(`netns ${n}`);
    }
    await removeLabCgroups(lab);
    if (existsSync(dir)) {
      await rm(dir, { recursive: true, force: true });
      done.push(`state ${dir}`);
    }
  }
  return done;
}

function checkLabName(lab: string): void {
  const problem = labNameProblem(lab);
  if (problem) throw new InputError([{ code: 'LAB_NAME', severity: 'error', message: problem, hint: 'list labs with `kubeha lab status`' }]);
}

/** The lab to act on: --name, else the only lab there is. */
export async function resolveLab(name?: string): Promise<LabState> {
  if (name) {
    checkLabName(name);
    const s = await readState(name);
    if (!s) throw new EnvironmentError(`no lab named "${name}"`, 'list labs with `kubeha lab status`');
    return s;
  }
  const all = await listLabs();
  if (all.length === 1 && all[0]) return all[0];
  if (all.length === 0) throw new EnvironmentError('no lab exists', 'create one with `kubeha lab up cluster.yaml`');
  throw new EnvironmentError(`${all.length} labs exist: ${all.map((s) => s.plan.lab).join(', ')}`, 'choose one with --name');
}
