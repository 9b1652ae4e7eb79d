/**
 * `npm run bench:ha` (root, a lab): the same drills on five HA setups in one lab, in one run; one table, and every
 * drill object (with a `setup` field) in bench-results/ha.json (the table also in bench-results/ha.md).
 *
 * One lab (2 LBs, 3 masters running the real control plane that `kubeha apply` installs). A setup is a directory of
 * files per host (src/interop/relocate.ts: a seed mirror moved onto the lab's hosts, addresses and interface names
 * rewritten; src/interop/kubekey/internal-lb.ts: KubeKey's internal LB in our terms), pushed with the remote
 * machinery (atomic, validated writes; packages from the bundle already on the hosts; systemd), its services
 * restarted, then drilled with the drill use case (src/ops/drill.ts) against the setup's own endpoint and VIP, with
 * the analysis of the same relocated mirror as prediction. Setups, in the order run:
 *   kubeha            kubeha's rendered defaults, as `kubeha apply` installed them
 *   seed-000          test/fixtures/seeds/seed-000 as written (weight +2 against a priority gap of 10; inter 10s fall 2)
 *   seed-002          seed-002 (weight -2 with fall 10, priority 250 on both LBs)
 *   seed-003          seed-003 (keepalived + HAProxy on the masters, HAProxy on 16443, endpoint VIP:6443)
 *   kubekey-internal  KubeKey's internal LB (HAProxy on every worker; here lb0 and lb1 stand for two workers)
 * Drills: the VIP holder powered off, HAProxy killed on it, keepalived stopped on it, one apiserver killed; the
 * drill measures the failback after each.
 *
 * Usage: sudo flock /tmp/kubeha-e2e.lock npm run bench:ha [-- --runs N] [--setups a,b] [--subnet 10.95.0] [--name benchha] [--keep]
 * `--table FILE` prints the table of a saved ha.json (no lab).
 * `--keep` leaves the lab up (and its spec in $TMPDIR/kubeha-bench-ha-NAME); a later run with the same name reuses it
 * (no lab up, no apply): for working on one setup. `kubeha lab down --name NAME` ends it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { analyzeModel } from '../src/analyze/index.js';
import { analyzeSpec } from '../src/analyze/spec-analysis.js';
import type { Scenario } from '../src/analyze/types.js';
import { loadSpecFile } from '../src/cli/io.js';
import { renderKubekeyInternalLb } from '../src/interop/kubekey/internal-lb.js';
import { mirrorTree, relocateMirror } from '../src/interop/relocate.js';
import type { Placement, RelocatedMirror } from '../src/interop/relocate.js';
import type { BenchDrill } from '../src/measure/ha-bench.js';
import { benchTable } from '../src/measure/ha-bench.js';
import type { Failure } from '../src/model/failure.js';
import { HOST_PATHS } from '../src/model/mirror-layout.js';
import { drillLine } from '../src/measure/drill.js';
import type { DrillTarget } from '../src/ops/drill.js';
import { runDrill, specTarget, vipHolders } from '../src/ops/drill.js';
import { labForSpec, openSession } from '../src/ops/session.js';
import type { Session } from '../src/ops/session.js';
import { memoryFileSource } from '../src/parse/file-source.js';
import { loadMirror } from '../src/parse/mirror.js';
import { HAPROXY_DROPIN, KEEPALIVED_DROPIN } from '../src/render/systemd.js';
import { writeRemoteFilesAtomic } from '../src/remote/files.js';
import type { WriteFileRequest } from '../src/remote/files.js';
import { apt, installPackages, uploadBundle } from '../src/remote/packages.js';
import { readBundle } from '../src/apply/bundle.js';
import { labBundle } from '../src/ops/lab-bundle.js';
import { runServiceAction } from '../src/remote/services.js';
import type { RemoteHost } from '../src/remote/ssh.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ALL_SETUPS = ['kubeha', 'seed-000', 'seed-002', 'seed-003', 'kubekey-internal'] as const;
type SetupName = (typeof ALL_SETUPS)[number];
/** The table's order (the issue's). */
const TABLE_SETUPS: readonly SetupName[] = ['seed-000', 'seed-003', 'seed-002', 'kubekey-internal', 'kubeha'];
const KINDS = ['node-down', 'haproxy-down', 'keepalived-down', 'apiserver-down'] as const;
type Kind = (typeof KINDS)[number];

/** A setup ready to push and drill. */
interface Setup {
  name: SetupName;
  /** Files per host to push (LB configs only: /etc/hosts and sysctl of a seed are for the analysis). Undefined: kubeha's own, already applied. */
  push?: Record<string, Record<string, string>>;
  /** Units each host runs in this setup (hosts absent: none). */
  units: Record<string, string[]>;
  target: DrillTarget;
  scenarios: Scenario[];
  /** Drill kinds that do not apply to this setup, with why. */
  notApplicable: Partial<Record<Kind, string>>;
  notes: string[];
}

const log = (l: string): void => void process.stderr.write(`[bench:ha] ${l}\n`);

function kubeha(args: string[], timeoutMs = 1_800_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kubeha'), ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** A mirror folder on disk as a file tree (`/hosts.yaml`, `/<host>/etc/…`). */
function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else tree[`/${relative(dir, p)}`] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return tree;
}

function analyse(tree: Record<string, string>, what: string): Scenario[] {
  const loaded = loadMirror(memoryFileSource(tree));
  if (!loaded.model) throw new Error(`${what}: the relocated mirror does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return analyzeModel(loaded.model).scenarios;
}

const LB_FILES: string[] = [HOST_PATHS.haproxy, HOST_PATHS.keepalived];

function seedSetup(name: 'seed-000' | 'seed-002' | 'seed-003', placement: Placement, session: Session, onMasters: boolean, osRelease: string): Setup {
  const relocated = relocateMirror(readTree(join(ROOT, 'test/fixtures/seeds', name)), placement);
  if (!relocated.ok) throw new Error(`${name}: ${relocated.why}`);
  const m: RelocatedMirror = relocated.mirror;
  const push: Record<string, Record<string, string>> = {};
  const units: Record<string, string[]> = {};
  for (const [host, files] of Object.entries(m.files)) {
    const mine = Object.fromEntries(Object.entries(files).filter(([p]) => LB_FILES.includes(p)));
    if (Object.keys(mine).length === 0) continue;
    push[host] = mine;
    units[host] = ['haproxy', 'keepalived'].filter((u) => mine[u === 'haproxy' ? HOST_PATHS.haproxy : HOST_PATHS.keepalived] !== undefined);
  }
  const vip = session.spec.loadBalancer.vip;
  // The prediction sees the hosts the configs run on: the lab's OS decides what `pidof` is (rule track-pidof-killall5).
  for (const files of Object.values(m.files)) files[HOST_PATHS.osRelease[0]] ??= osRelease;
  const notes = Object.entries(m.unmapped).map(([h, a]) => `${h}: addresses left as written: ${a.join(', ')}`);
  if (onMasters) notes.push('keepalived and HAProxy run on the masters; the endpoint is the VIP on the apiservers\' own port (HAProxy on 16443 is bypassed)');
  return { name, push, units, target: { endpoint: { address: vip, port: 6443 }, vip, lbs: Object.keys(push), services: ['keepalived', 'haproxy'] }, scenarios: analyse(mirrorTree(m), name), notApplicable: {}, notes };
}

const KUBEKEY_NOT_APPLICABLE: Setup['notApplicable'] = {
  'node-down': "the LB is on the client's own node: powering it off takes the client with it",
  'keepalived-down': 'no keepalived (no VIP): each node has its own HAProxy',
};

function setups(session: Session, osRelease: string): Setup[] {
  const spec = session.spec;
  const addr = (n: string): string => spec.hosts.find((h) => h.name === n)!.address;
  const addresses = Object.fromEntries(spec.hosts.map((h) => [h.name, h.address]));
  const vip = spec.loadBalancer.vip;
  const masters = spec.hosts.filter((h) => h.roles.includes('control-plane')).map((h) => h.name);
  const [lb0, lb1] = spec.hosts.filter((h) => h.roles.includes('loadbalancer')).map((h) => h.name);
  const [m0, m1, m2] = masters;
  const iface = spec.loadBalancer.interface ?? 'eth0';
  const kk = ((): Setup => {
    // KubeKey runs its HAProxy on every worker, bound to 127.0.0.1; the lab's client cannot be on a node, so each
    // node's HAProxy binds the node's own address instead and the client stands in for a process on lb0.
    const files = Object.fromEntries([lb0!, lb1!].map((n) => [n, { [HOST_PATHS.haproxy]: renderKubekeyInternalLb({ controlPlane: masters.map((m) => ({ hostname: m, address: addr(m) })), bindAddress: addr(n), port: 6443, apiserverPort: spec.controlPlane.apiserverPort }) }]));
    const tree = mirrorTree({ endpoint: `${addr(lb0!)}:6443`, hosts: [lb0!, lb1!, ...masters].map((n) => ({ name: n, address: addr(n) })), files });
    return {
      name: 'kubekey-internal',
      push: files,
      units: { [lb0!]: ['haproxy'], [lb1!]: ['haproxy'] },
      // No VIP: the endpoint is the node's own address, which only lb0 holds (as the analyser sees it).
      target: { endpoint: { address: addr(lb0!), port: 6443 }, vip: addr(lb0!), lbs: [lb0!], services: ['haproxy'] },
      scenarios: analyse(tree, 'kubekey-internal'),
      notApplicable: KUBEKEY_NOT_APPLICABLE,
      notes: [
        "HAProxy from Debian's package (2.6, systemd unit) instead of KubeKey's static pod (haproxy 2.9.6-alpine, restarted by the kubelet)",
        `bound to the node's address instead of 127.0.0.1; the client probes ${lb0}'s HAProxy as a process on ${lb0} would`,
      ],
    };
  })();
  return [
    { name: 'kubeha', units: { [lb0!]: ['haproxy', 'keepalived'], [lb1!]: ['haproxy', 'keepalived'] }, target: specTarget(session), scenarios: analyzeSpec(spec).scenarios, notApplicable: {}, notes: [] },
    seedSetup('seed-000', { hosts: { 'lb-0': lb0!, 'lb-1': lb1!, master1: m0!, master2: m1!, master3: m2! }, addresses, extraAddresses: { '10.10.71.67': vip }, interfaces: { ens192: iface } }, session, false, osRelease),
    seedSetup('seed-002', { hosts: { 'lb-0': lb0!, 'lb-1': lb1!, 'master-0': m0!, 'master-1': m1!, 'master-2': m2! }, addresses, extraAddresses: { '10.168.222.18': vip }, interfaces: { eth0: iface } }, session, false, osRelease),
    seedSetup('seed-003', { hosts: { 'server7-master': m0!, 'server8-node1': m1!, 'server9-node2': m2! }, addresses, extraAddresses: { '192.168.2.199': vip }, interfaces: { ens37: iface } }, session, true, osRelease),
    kk,
  ];
}

// ---------- pushing a setup ----------

const PSMISC_KILLALL = '/usr/bin/killall';

/**
 * The hosts the seeds were written for had psmisc (killall), the lab's minimal Debian does not: a check script
 * `killall -0 haproxy` would then fail on every host, which is not how the seed behaves. The lab gets this machine's
 * killall (psmisc, same Debian release) where a pushed keepalived.conf calls it.
 */
async function ensureKillall(remote: RemoteHost): Promise<void> {
  if ((await remote.exec('command -v killall >/dev/null', { timeoutMs: 10_000 })).exitCode === 0) return;
  await remote.run(`cat > ${PSMISC_KILLALL}.new && chmod 755 ${PSMISC_KILLALL}.new && mv ${PSMISC_KILLALL}.new ${PSMISC_KILLALL}`, { stdin: readFileSync(PSMISC_KILLALL), timeoutMs: 30_000 });
}

/**
 * Puts a setup on the hosts. kubeha's own needs nothing right after the first apply (`fresh`); on a reused lab, other
 * setups' units are stopped and `kubeha apply` runs again.
 */
async function pushSetup(session: Session, setup: Setup, hosts: readonly string[], fresh: boolean, reapply: () => void): Promise<void> {
  if (!setup.push && fresh) return;
  const stopUnwanted = async (h: string): Promise<string[]> => {
    const wanted = setup.units[h] ?? [];
    // Units this setup does not run on the host: stopped and disabled (a previous setup's).
    const unwanted = ['keepalived', 'haproxy'].filter((u) => !wanted.includes(u));
    await session.remote(h).exec(`for u in ${unwanted.join(' ')}; do systemctl cat $u.service >/dev/null 2>&1 && systemctl disable --now $u.service; done; true`, { timeoutMs: 60_000 });
    return wanted;
  };
  if (!setup.push) {
    await Promise.all(hosts.map(stopUnwanted));
    reapply();
    return;
  }
  const lbShare = await readBundle((await labBundle(session.spec)).dir);
  await Promise.all(
    hosts.map(async (h) => {
      const remote = session.remote(h);
      const wanted = await stopUnwanted(h);
      if (wanted.length === 0) return;
      const installed = apt.parseQuery(await remote.run(apt.queryCommand(wanted), { timeoutMs: 30_000 }));
      const missing = wanted.filter((p) => installed[p] === undefined);
      if (missing.length > 0) {
        // apply gave this host only its share of the bundle (no LB packages on a master): it gets the bundle's
        // system packages (all but kubeha's own), as apply would give an LB.
        log(`${setup.name}: ${h}: installing ${missing.join(' ')} from the bundle`);
        const files = lbShare.info.index?.filter((p) => !/^\.\/kubeha-/.test(p.filename)).map((p) => p.filename);
        await uploadBundle(remote, await lbShare.tar(files), `${lbShare.info.id}-bench-ha`);
        await installPackages(remote, apt, missing, 'bundle');
      }
      const files = setup.push![h] ?? {};
      if (Object.values(files).some((c) => /\bkillall\b/.test(c))) await ensureKillall(remote);
      // kubeha's drop-ins (restart policy, track file) are not part of a seed: the units run as the package ships them.
      await remote.run(`rm -f ${HAPROXY_DROPIN} ${KEEPALIVED_DROPIN}; systemctl daemon-reload`, { timeoutMs: 60_000 });
      const reqs: WriteFileRequest[] = Object.entries(files).map(([path, content]) => ({ path, content, mode: 0o644, ...(path === HOST_PATHS.haproxy ? { validate: 'haproxy' as const } : {}) }));
      const w = await writeRemoteFilesAtomic(remote, reqs);
      if (w.error) throw w.error;
      for (const u of ['haproxy', 'keepalived'].filter((x) => wanted.includes(x))) {
        await runServiceAction(remote, u, 'enable');
        await runServiceAction(remote, u, 'restart');
      }
    }),
  );
}

// ---------- the drills ----------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The VIP holder once the election has settled: one holder, the same for SETTLE_MS (longer than the seeds' check
 * intervals, so that a check script's first verdict or a preemption after a failback has happened); bounded.
 */
const SETTLE_MS = 8000;
async function settledHolder(session: Session, target: DrillTarget): Promise<string | undefined> {
  if (target.vip === undefined) return undefined;
  const until = Date.now() + 90_000;
  let last = '';
  let since = Date.now();
  while (Date.now() < until) {
    const h = await vipHolders(session, target.lbs, target.vip);
    const now = h.join(',');
    if (now !== last) [last, since] = [now, Date.now()];
    else if (h.length === 1 && Date.now() - since >= SETTLE_MS) return h[0];
    await sleep(500);
  }
  log(`the VIP did not settle within 90 s (on ${last || 'nobody'})`);
  return last.split(',')[0] || undefined;
}

async function drillsOf(session: Session, setup: Setup, masters: readonly { name: string; address: string }[], port: number, runs: number): Promise<BenchDrill[]> {
  const out: BenchDrill[] = [];
  for (let run = 0; run < runs; run++)
    for (const kind of KINDS) {
      if (setup.notApplicable[kind] !== undefined) continue;
      const holder = (await settledHolder(session, setup.target)) ?? setup.target.lbs[0]!;
      // The apiserver on the VIP holder when the holder is a master (seed-003: the endpoint goes straight to it), else the first.
      const victim = masters.find((m) => m.name === holder) ?? masters[0]!;
      const failure: Failure = kind === 'apiserver-down' ? { kind, address: victim.address, port } : { kind, host: holder };
      log(`${setup.name}: drill ${kind} (run ${run + 1}/${runs})`);
      const { result } = await runDrill(session, failure, { scenarios: setup.scenarios, target: setup.target, onProgress: (l) => log(`${setup.name}: ${l}`) });
      result.notes.push(...setup.notes);
      process.stderr.write(`${drillLine(result)}\n`);
      out.push({ setup: setup.name, ...result });
    }
  return out;
}

async function main(): Promise<void> {
  const saved = arg('table');
  if (saved !== undefined) {
    // The table again from a saved ha.json (no lab).
    const rs = JSON.parse(readFileSync(saved, 'utf8')) as BenchDrill[];
    const na = Object.fromEntries(Object.entries(KUBEKEY_NOT_APPLICABLE).map(([k, v]) => [`kubekey-internal|${k}`, v]));
    process.stdout.write(`${benchTable(rs, TABLE_SETUPS.filter((s) => rs.some((r) => r.setup === s)), KINDS, na)}\n`);
    return;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:ha needs root (a lab)\n');
    process.exit(3);
  }
  const runs = Number(arg('runs')) || 1;
  const only = (arg('setups')?.split(',') ?? [...ALL_SETUPS]) as SetupName[];
  const subnet = arg('subnet') ?? '10.95.0';
  const lab = arg('name') ?? 'benchha';
  const keep = process.argv.includes('--keep');
  const dir = join(tmpdir(), `kubeha-bench-ha-${lab}`);
  const specPath = join(dir, 'cluster.yaml');
  const state = join(dir, 'state');
  const reuse = existsSync(specPath) && existsSync(state) && (await labForSpec(await loadSpecFile(specPath))) !== undefined;
  if (!reuse) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!reuse) writeFileSync(specPath, readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', `${subnet}.`).replace('name: apply-e2e', `name: ${lab}`));
  const load0 = loadavg();
  const started = new Date();
  const results: BenchDrill[] = [];
  const notApplicable: Record<string, string> = {};
  let session: Session | undefined;
  try {
    if (reuse) log(`reusing lab ${lab} (--keep of an earlier run)`);
    else {
      log(`lab up ${lab} (${subnet}.0/24)`);
      const up = kubeha(['lab', 'up', specPath, '--name', lab, '--ssh-timeout', '180']);
      if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
      log("kubeha apply (real control plane, kubeha's LBs)");
      const apply = kubeha(['apply', specPath, '--yes', '--state-dir', state]);
      if (apply.code !== 0) throw new Error(`apply: ${apply.stderr}`);
    }
    const spec = await loadSpecFile(specPath);
    session = await openSession(specPath, spec, { stateDir: state }, await labForSpec(spec));
    const masters = spec.hosts.filter((h) => h.roles.includes('control-plane'));
    const all = spec.hosts.map((h) => h.name);
    const osRelease = await session.remote(all[0]!).run('cat /etc/os-release');
    for (const setup of setups(session, osRelease).filter((s) => only.includes(s.name))) {
      for (const [k, why] of Object.entries(setup.notApplicable)) notApplicable[`${setup.name}|${k}`] = why;
      log(`${setup.name}: pushing`);
      try {
        await pushSetup(session, setup, all, !reuse, () => {
          log("kubeha: kubeha apply again (the lab ran other setups)");
          const again = kubeha(['apply', specPath, '--yes', '--state-dir', state]);
          if (again.code !== 0) throw new Error(`apply: ${again.stderr}`);
        });
      } catch (e) {
        // One setup that cannot be applied does not stop the others: its rows say why.
        const why = `the setup could not be applied: ${(e as Error).message.split('\n')[0]}`;
        log(`${setup.name}: ${why}`);
        for (const k of KINDS) notApplicable[`${setup.name}|${k}`] ??= why;
        continue;
      }
      results.push(...(await drillsOf(session, setup, masters, spec.controlPlane.apiserverPort, runs)));
      // Written after every setup: a run cut short keeps what it measured.
      mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
      writeFileSync(join(ROOT, 'bench-results/ha.json'), JSON.stringify(results, null, 2) + '\n');
    }
  } finally {
    await session?.close();
    if (keep) log(`lab ${lab} left up (--keep): kubeha lab down --name ${lab}`);
    else {
      kubeha(['lab', 'down', '--name', lab], 300_000);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const load1 = loadavg();
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/ha.json'), JSON.stringify(results, null, 2) + '\n');
  const table = benchTable(results, TABLE_SETUPS.filter((s) => only.includes(s)), KINDS, notApplicable);
  const head = `${started.toISOString()}, ${runs} run(s) per drill; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; load ${load0.map((l) => l.toFixed(2)).join(' ')} at start, ${load1.map((l) => l.toFixed(2)).join(' ')} at end`;
  writeFileSync(join(ROOT, 'bench-results/ha.md'), `${head}\n\n${table}\n`);
  process.stdout.write(`${head}\n${table}\nbench-results/ha.json: ${results.length} drill object(s)\n`);
}

await main();
