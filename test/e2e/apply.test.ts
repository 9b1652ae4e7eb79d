import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApplyEvent } from '../../src/apply/events.js';
import { ensureBaseImage } from '../../src/lab/base-image.js';
import { findK8sBinaries } from '../../src/lab/k8s-binaries.js';

/**
 * End to end against the lab: a small topology (2 LBs + 3 masters) made real with `kubeha lab up`, packages from
 * `kubeha bundle` (HAProxy, keepalived, and kubeha's packages of the upstream Kubernetes v1.37.2 binaries, built by
 * scripts/k8s-binaries.sh when the cache lacks them), then `kubeha apply` as a user runs it: the real control plane
 * (a 3-member etcd over TLS, kube-apiserver, controller-manager, scheduler) behind the VIP. Skipped, with the reason,
 * when the lab cannot run here (not root, no systemd-nspawn, no `kubeha bundle`). Each run makes its own lab (name
 * and subnet from the PID, as test/e2e/lab.test.ts does, or KUBEHA_E2E_LAB / KUBEHA_E2E_NET, e.g. `ship` and
 * `10.94.0`) and always removes it: nothing an earlier run left decides this run's verdict. The interruption loop
 * counts kills, not seconds; its time bound is only a guard against a hang. One lab serves every assertion.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TMP = mkdtempSync(join(tmpdir(), 'kubeha-apply-e2e-'));
const tag = process.pid % 200;
const NET = process.env['KUBEHA_E2E_NET'] ?? `10.78.${tag}`;
/** test/fixtures/apply/small.yaml moved to this run's own subnet. */
const SPEC = join(TMP, 'small.yaml');
writeFileSync(SPEC, readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', `${NET}.`));
const LAB = process.env['KUBEHA_E2E_LAB'] ?? `apply-e2e-${process.pid}`;
const LBS = ['lb0', 'lb1'];
const MASTERS = ['m0', 'm1', 'm2'];
const VIP = `${NET}.10`;
const STATE = join(TMP, 'state');

interface LabStatus {
  lab: string;
  phase: string;
  keyFile: string;
  knownHostsFile: string;
  taskbox: { netns: string; address: string };
  hosts: { name: string; address: string; netns: string }[];
}

function kubeha(args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
}

function whyNoLab(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root (systemd-nspawn, network namespaces)';
  if (spawnSync('sh', ['-c', 'command -v systemd-nspawn && command -v debootstrap'], { encoding: 'utf8' }).status !== 0) return 'systemd-nspawn or debootstrap is not installed';
  if (kubeha(['bundle', '--help'], 30_000).status !== 0) return '`kubeha bundle` (the offline package bundle, issue 5) is not available yet';
  return undefined;
}

const skip = whyNoLab();

// Generous: on a cold machine the base image and the bundle are built first (minutes), and a busy one is slow.
describe('apply e2e in the lab', { skip, timeout: 45 * 60_000 }, () => {
  let lab: LabStatus;
  let bundle = '';
  /** The cluster's own kubectl (kubeha's cache) and an admin kubeconfig, for loops that would pay kubeha's start each time. */
  let kubectlBin = '';
  const adminConf = join(TMP, 'admin.conf');

  const addr = (h: string): string => lab.hosts.find((x) => x.name === h)!.address;
  function ssh(host: string, command: string, timeoutMs = 30_000): SpawnSyncReturns<string> {
    return spawnSync(
      'ip',
      ['netns', 'exec', lab.taskbox.netns, 'ssh', '-i', lab.keyFile, '-o', `UserKnownHostsFile=${lab.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${addr(host)}`, command],
      { encoding: 'utf8', timeout: timeoutMs },
    );
  }
  function sshAsync(host: string, command: string): Promise<{ code: number | null; output: string }> {
    return new Promise((res) => {
      const c = spawn('ip', ['netns', 'exec', lab.taskbox.netns, 'ssh', '-i', lab.keyFile, '-o', `UserKnownHostsFile=${lab.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${addr(host)}`, command], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      c.stdout.on('data', (d: Buffer) => (output += d.toString()));
      c.stderr.on('data', (d: Buffer) => (output += d.toString()));
      c.on('close', (code) => res({ code, output }));
    });
  }
  const out = (host: string, command: string): string => {
    const r = ssh(host, command);
    assert.equal(r.status, 0, `${host}: ${command}: ${r.stderr}`);
    return r.stdout;
  };
  function client(argv: string[], timeoutMs = 15_000): SpawnSyncReturns<string> {
    return spawnSync('ip', ['netns', 'exec', lab.taskbox.netns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
  }
  /** `withBundle: false`: no --bundle, so apply must find the lab's own bundle (a lab's hosts have no route out). */
  function apply(extra: string[] = [], spec = SPEC, withBundle = true): { code: number | null; events: ApplyEvent[]; stderr: string } {
    const r = kubeha(['apply', spec, '--yes', ...(withBundle ? ['--bundle', bundle] : []), '--state-dir', STATE, '--output', 'json', ...extra]);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ApplyEvent);
    return { code: r.status, events, stderr: r.stderr };
  }
  const doneOf = (events: ApplyEvent[]): Extract<ApplyEvent, { type: 'done' }> => {
    const d = events.find((e) => e.type === 'done');
    assert.ok(d?.type === 'done', 'apply emitted a done event');
    return d;
  };

  before(async () => {
    // A cold cache builds the base image here, under this hook's bound, not under `lab up`'s.
    await ensureBaseImage();
    // A lab of this name can only be a leftover of a killed run whose PID this one reuses: remove it first.
    kubeha(['lab', 'down', '--name', LAB], 120_000);
    const up = kubeha(['lab', 'up', SPEC, '--name', LAB, '--ssh-timeout', '180'], 600_000);
    assert.equal(up.status, 0, `lab up: ${up.stderr}`);
    const status = kubeha(['lab', 'status', '--name', LAB, '--output', 'json'], 60_000);
    assert.equal(status.status, 0, status.stderr);
    lab = (JSON.parse(status.stdout) as LabStatus[]).find((l) => l.lab === LAB)!;
    bundle = join(STATE, 'bundle');
    const b = kubeha(['bundle', '--spec', SPEC, '--out', bundle], 900_000);
    assert.equal(b.status, 0, `kubeha bundle: ${b.stderr}`);

    const conf = kubeha(['kubeconfig', SPEC, '--state-dir', STATE, '-o', adminConf]);
    assert.equal(conf.status, 0, conf.stderr);
    const bins = await findK8sBinaries('v1.37.2');
    assert.ok(bins, 'the bundle built the Kubernetes binaries into the cache');
    kubectlBin = join(bins.dir, 'kubectl');
  });

  after(() => {
    if (!skip) kubeha(['lab', 'down', '--name', LAB], 120_000);
    rmSync(TMP, { recursive: true, force: true });
  });

  it('first apply: keepalived + HAProxy from the bundle, VIP on exactly one LB, HAProxy forwards to the masters', () => {
    const first = apply();
    const done = doneOf(first.events);
    assert.equal(first.code, 0, `apply failed: ${JSON.stringify(done.hosts)}\n${first.stderr}`);
    for (const lb of LBS) {
      assert.match(out(lb, "dpkg-query -W -f='${Status}' haproxy keepalived"), /install ok installed.*install ok installed/);
      assert.equal(out(lb, 'systemctl is-active haproxy keepalived').trim().split('\n').join(' '), 'active active');
      assert.ok(existsSync(lab.knownHostsFile));
      // The bundle source was used for that install only: no trace in the host's own apt sources.
      assert.equal(ssh(lb, "grep -rqsE '^[^#]*opt/kubeha' /etc/apt/sources.list /etc/apt/sources.list.d/").status, 1);
    }
    // The masters are Kubernetes nodes: they get the installers' prerequisites (controlPlane.nodePackages), the LBs not.
    for (const m of MASTERS) assert.match(out(m, "dpkg-query -W -f='${Status} ' conntrack socat ebtables ipset"), /^(install ok installed ){4}$/, m);
    assert.equal(ssh('lb0', 'command -v conntrack').status, 1, 'a dedicated LB got node packages');
    // Each host was sent its own share of the bundle: the masters' copy holds no keepalived, the LBs' no conntrack.
    assert.equal(out('m0', 'ls /opt/kubeha/bundle | grep -c -e ^keepalived_ -e ^libsnmp || true').trim(), '0');
    assert.match(out('m0', 'ls /opt/kubeha/bundle'), /^conntrack_/m);
    assert.match(out('lb0', 'ls /opt/kubeha/bundle'), /^keepalived_/m);
    assert.doesNotMatch(out('lb0', 'ls /opt/kubeha/bundle'), /^conntrack_/m);
    // VRRP settles within a few adverts (advert_int 0.05 s).
    let holders: string[] = [];
    for (let i = 0; i < 50; i++) {
      holders = LBS.filter((lb) => out(lb, 'ip -o -4 addr show').includes(` ${VIP}/`));
      if (holders.length === 1) break;
      spawnSync('sleep', ['0.2']);
    }
    assert.equal(holders.length, 1, `VIP holders: ${holders.join(', ')}`);
    // Every apiserver answers /readyz itself (anonymous health path), and HAProxy has all three UP behind the VIP.
    for (const m of MASTERS) assert.equal(client(['curl', '-sk', '--max-time', '5', `https://${addr(m)}:6443/readyz`]).stdout, 'ok', m);
  });

  it('the real control plane through the VIP: readyz, namespaces, version, etcd over TLS, leases, Secrets encrypted at rest', () => {
    const kubectl = (...args: string[]): SpawnSyncReturns<string> => kubeha(['kubectl', SPEC, '--state-dir', STATE, '--', ...args], 120_000);
    const readyz = kubectl('get', '--raw', '/readyz');
    assert.equal(readyz.status, 0, readyz.stderr);
    assert.equal(readyz.stdout.trim(), 'ok');
    // The kubeconfig's server is the VIP (the endpoint), and kubectl runs in the taskbox.
    assert.match(readFileSync(adminConf, 'utf8'), new RegExp(`server: https://${VIP.replaceAll('.', '\\.')}:6443`));
    const ns = kubectl('get', 'ns', '-o', 'name');
    assert.equal(ns.status, 0, ns.stderr);
    assert.match(ns.stdout, /^namespace\/default$/m);
    const version = kubectl('version', '-o', 'json');
    assert.equal(version.status, 0, version.stderr);
    assert.equal((JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion, 'v1.37.2');
    // etcd: three members, every one healthy, asked over TLS with the health-check client certificate.
    const etcdctl = (host: string, args: string, cert = 'etcd/healthcheck-client') =>
      out(host, `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/${cert}.crt --key=/etc/kubernetes/pki/${cert}.key ${args}`);
    const health = etcdctl('m1', 'endpoint health --cluster -w json');
    const members = JSON.parse(health) as { endpoint: string; health: boolean }[];
    assert.deepEqual(members.map((m) => [m.endpoint, m.health]).sort(), MASTERS.map((m) => [`https://${addr(m)}:2379`, true]).sort());
    // Without a client certificate etcd refuses the client.
    assert.notEqual(ssh('m1', 'etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --dial-timeout=3s --command-timeout=5s endpoint health').status, 0);
    // controller-manager and scheduler each hold their leader-election lease (a master's name as holder).
    for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
      let holder = '';
      for (let i = 0; i < 60 && !holder; i++) {
        const r = kubectl('get', 'lease', '-n', 'kube-system', lease, '-o', 'jsonpath={.spec.holderIdentity}');
        holder = r.status === 0 ? r.stdout.trim() : '';
        if (!holder) spawnSync('sleep', ['1']);
      }
      assert.match(holder, /^m[012]_/, `${lease} lease holder: "${holder}"`);
    }
    // A Secret written through the API is encrypted in etcd: the raw value starts with k8s:enc:.
    const secret = kubectl('create', 'secret', 'generic', 'e2e-probe', '-n', 'default', '--from-literal=k=plain-text-never-stored');
    assert.equal(secret.status, 0, secret.stderr);
    const raw = etcdctl('m2', 'get /registry/secrets/default/e2e-probe --print-value-only', 'apiserver-etcd-client');
    assert.ok(raw.startsWith('k8s:enc:'), `raw value in etcd starts with ${JSON.stringify(raw.slice(0, 16))}`);
    assert.ok(!raw.includes('plain-text-never-stored'));
    // Memory of each control-plane host (RSS of every process), for the record.
    const rss = MASTERS.map((m) => `${m} ${out(m, "ps -eo rss= | awk '{s+=$1} END {printf \"%d\", s/1024}'")} MiB`);
    process.stderr.write(`control-plane hosts' memory (RSS): ${rss.join(', ')}\n`);
  });

  it('second apply, without --bundle (the lab\'s own bundle), changes nothing: 0 changes, same mtimes, same service start times', () => {
    const probe = 'stat -c %Y /etc/haproxy/haproxy.cfg /etc/keepalived/keepalived.conf; systemctl show -p ActiveEnterTimestampMonotonic --value haproxy keepalived';
    const before = Object.fromEntries(LBS.map((lb) => [lb, out(lb, probe)]));
    const cpProbe = 'stat -c %Y /etc/systemd/system/kube-apiserver.service /etc/kubernetes/pki/apiserver.crt; systemctl show -p ActiveEnterTimestampMonotonic --value etcd kube-apiserver kube-controller-manager kube-scheduler';
    const cpBefore = Object.fromEntries(MASTERS.map((m) => [m, out(m, cpProbe)]));
    const second = apply([], SPEC, false);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /no --bundle given: using the lab's bundle/);
    assert.equal(doneOf(second.events).changes, 0);
    assert.ok(!second.events.some((e) => e.type === 'step-done' && e.changed));
    for (const lb of LBS) assert.equal(out(lb, probe), before[lb], `${lb} was modified by a no-op apply`);
    // No control-plane unit restarted, no certificate rewritten.
    for (const m of MASTERS) assert.equal(out(m, cpProbe), cpBefore[m], `${m} was modified by a no-op apply`);
  });

  it('a file that fails validation never replaces the working one; the error shows the tool message', () => {
    // lb0 on an interface that does not exist: keepalived -t rejects the rendered file (a real rejection).
    const dir = mkdtempSync(join(TMP, 'bad-'));
    const bad = join(dir, 'small.yaml');
    writeFileSync(bad, readFileSync(SPEC, 'utf8').replace(`{ name: lb0, address: ${NET}.11, roles: [loadbalancer] }`, `{ name: lb0, address: ${NET}.11, roles: [loadbalancer], interface: eth9 }`));
    const live = out('lb0', 'sha256sum /etc/keepalived/keepalived.conf');
    const started = out('lb0', 'systemctl show -p ActiveEnterTimestampMonotonic --value keepalived');
    const r = apply(['--only', 'lb0'], bad);
    assert.equal(r.code, 1);
    const failed = r.events.find((e) => e.type === 'step-failed');
    assert.ok(failed?.type === 'step-failed');
    assert.equal(failed.host, 'lb0');
    assert.equal(failed.phase, 'files');
    assert.match(failed.error, /keepalived -t -f/);
    assert.match(failed.error, /eth9|Unknown interface|interface/i);
    assert.equal(out('lb0', 'sha256sum /etc/keepalived/keepalived.conf'), live);
    assert.equal(out('lb0', 'systemctl show -p ActiveEnterTimestampMonotonic --value keepalived'), started);
    assert.equal(out('lb0', 'ls -a /etc/keepalived | grep -c kubeha-tmp || true').trim(), '0');
  });

  it('a HAProxy config change is a hitless reload: a watch of the real API through the VIP keeps streaming', async () => {
    const dir = mkdtempSync(join(TMP, 'reload-'));
    const changed = join(dir, 'small.yaml');
    // Only haproxy.cfg changes (health-check `rise`; `inter` and `fall` also set the apiserver's
    // --shutdown-delay-duration, so they would restart the apiservers too): apply reloads HAProxy and nothing else.
    writeFileSync(changed, readFileSync(SPEC, 'utf8').replace('inter: 1s, fall: 2, rise: 2', 'inter: 1s, fall: 2, rise: 3'));
    // A watch of ConfigMaps (one JSON line per event) over one connection through the VIP, and a writer that creates
    // a ConfigMap every 500 ms (bounded: 400 at most), each an event on that connection.
    const inTaskbox = (argv: string[]) => spawn('ip', ['netns', 'exec', lab.taskbox.netns, kubectlBin, '--kubeconfig', adminConf, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
    const watch = inTaskbox(['get', '--raw', '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=600']);
    let lines = 0;
    watch.stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
    const closed = new Promise<number | null>((res) => watch.on('exit', (code) => res(code)));
    let writes = 0;
    let stopWriter = false;
    const writer = (async () => {
      for (; writes < 400 && !stopWriter; writes++) {
        await new Promise<void>((res) => inTaskbox(['create', 'configmap', `reload-${process.pid}-${writes}`, '-n', 'default']).on('exit', () => res()));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      // Events once kubectl is through; the bound only guards against a hang on a busy machine.
      for (let i = 0; i < 600 && lines < 2 && watch.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(lines >= 2, 'the watch streams through the VIP');
      const starts = Object.fromEntries(LBS.map((lb) => [lb, out(lb, 'systemctl show -p ActiveEnterTimestampMonotonic --value haproxy keepalived')]));
      const r = apply([], changed);
      assert.equal(r.code, 0, r.stderr);
      const kinds = r.events.flatMap((e) => (e.type === 'step-done' && e.changed ? [e.step] : []));
      assert.deepEqual([...new Set(kinds)].sort(), ['files:/etc/haproxy/haproxy.cfg', 'services:haproxy.service:reload']);
      const before = lines;
      // At least 1.5 s past the reload and two more lines (more time only on a busy machine).
      const since = Date.now();
      while ((Date.now() - since < 1500 || lines < before + 2) && Date.now() - since < 30_000 && watch.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      assert.equal(watch.exitCode, null, 'the watch connection survived the reload');
      assert.ok(lines > before, 'and kept receiving events');
      // A reload, not a restart: the units' start times did not change.
      for (const lb of LBS) assert.equal(out(lb, 'systemctl show -p ActiveEnterTimestampMonotonic --value haproxy keepalived'), starts[lb]);
    } finally {
      stopWriter = true;
      await writer;
      watch.kill('SIGTERM');
      await closed;
    }
    const back = apply();
    assert.equal(back.code, 0, JSON.stringify(doneOf(back.events).hosts));
  });

  it('analyze --from collects what the hosts run, analyses it, and reports a hand edit as drift', () => {
    const clean = kubeha(['analyze', '--from', SPEC, '--state-dir', STATE, '--output', 'json']);
    assert.ok(clean.status === 0 || clean.status === 1, clean.stderr);
    const report = JSON.parse(clean.stdout) as { findings: { rule: string; host?: string }[]; scenarios: unknown[] };
    assert.ok(report.scenarios.length > 0, 'the running configs were analysed');
    assert.deepEqual(report.findings.filter((f) => f.rule.startsWith('drift')), []);
    out('lb1', "cp -p /etc/haproxy/haproxy.cfg /root/haproxy.cfg.keep && echo '# edited by hand' >> /etc/haproxy/haproxy.cfg");
    try {
      const drift = kubeha(['analyze', '--from', SPEC, '--state-dir', STATE, '--output', 'json']);
      const r = JSON.parse(drift.stdout) as { findings: { rule: string; host?: string; file?: string }[] };
      assert.deepEqual(
        r.findings.filter((f) => f.rule.startsWith('drift')).map((f) => [f.rule, f.host, f.file]),
        [['drift', 'lb1', '/etc/haproxy/haproxy.cfg']],
      );
    } finally {
      out('lb1', 'mv /root/haproxy.cfg.keep /etc/haproxy/haproxy.cfg');
    }
  });

  /** `kubeha apply` as a user starts it (its connections opened in the taskbox by a relay), so that the PID we kill is kubeha itself. */
  function spawnApply(spec: string, extra: string[] = []): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'apply', spec, '--yes', '--bundle', bundle, '--state-dir', STATE, '--output', 'json', ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    return { child, stdout: () => stdout, exited: new Promise((res) => child.on('exit', (code) => res(code))) };
  }

  it('SIGKILL during a package install: the next run finishes it (dpkg --configure -a) and converges', async () => {
    out('lb1', 'dpkg --purge keepalived >/dev/null');
    const run = spawnApply(SPEC, ['--only', 'lb1']);
    const t0 = Date.now();
    while (!run.stdout().includes('"kind":"install"') && Date.now() - t0 < 300_000 && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.ok(run.stdout().includes('"kind":"install"'), 'the install step started');
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exited;
    // Nothing of the killed run stays in the taskbox: its relay ends with it (a bound against a hang only).
    const inTaskbox = (): string => spawnSync('ip', ['netns', 'pids', lab.taskbox.netns], { encoding: 'utf8' }).stdout.trim();
    for (let i = 0; i < 200 && inTaskbox() !== ''; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(inTaskbox(), '', 'processes left in the taskbox after kubeha was killed');
    const rerun = apply(['--only', 'lb1']);
    assert.equal(rerun.code, 0, JSON.stringify(doneOf(rerun.events).hosts));
    assert.match(out('lb1', "dpkg-query -W -f='${Status}' keepalived"), /install ok installed/);
    assert.equal(out('lb1', 'systemctl is-active keepalived').trim(), 'active');
  });

  it('SIGKILL at random points (>= 20 times): every live config always validates, and a rerun converges', { timeout: 30 * 60_000 }, async (t) => {
    // Two specs that differ in HAProxy and keepalived settings, so each apply has files to write and services to reload.
    const dir = mkdtempSync(join(TMP, 'kill-'));
    const variant = join(dir, 'small.yaml');
    writeFileSync(variant, readFileSync(SPEC, 'utf8').replace('inter: 1s, fall: 2, rise: 2', 'inter: 2s, fall: 3, rise: 2').replace('advertInt: 0.05', 'advertInt: 0.3'));
    const specs = [variant, SPEC];
    /** Where each kill landed: the last event kubeha had printed. */
    const landed = new Map<string, number>();
    let kills = 0;
    // Counted in kills, not seconds (a busy machine is slower, not wrong); the attempt bound only stops a loop in
    // which runs keep finishing before their kill point, which would be a finding.
    const MAX_ATTEMPTS = 100;
    let attempts = 0;
    for (; (kills < 20 || attempts < 20) && attempts < MAX_ATTEMPTS; attempts++) {
      const i = attempts;
      const { child, stdout, exited } = spawnApply(specs[i % 2]!);
      // Kill at a random step: after the k-th step-start (k uniform over a typical run's steps), plus 0-150 ms,
      // so kills land inside file writes, reloads and verifies alike.
      const k = 1 + Math.floor(Math.random() * 14);
      const started = Date.now();
      const stepStarts = (): number => stdout().split('"type":"step-start"').length - 1;
      while (stepStarts() < k && !stdout().includes('"type":"done"') && Date.now() - started < 30_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      if (stdout().includes('"type":"done"')) {
        await exited;
        continue;
      }
      if (child.exitCode === null) {
        process.kill(child.pid!, 'SIGKILL');
        kills++;
        const last = stdout().trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
        const e = last ? (JSON.parse(last) as ApplyEvent) : undefined;
        const where = e ? `${e.type}${'phase' in e ? `:${e.phase}` : ''}` : 'before any event';
        landed.set(where, (landed.get(where) ?? 0) + 1);
      }
      await exited;
      // The invariant, on both LBs (checked in parallel): the LIVE files validate with the real tools.
      const checks = await Promise.all(
        LBS.map((lb) => sshAsync(lb, 'haproxy -c -f /etc/haproxy/haproxy.cfg >/dev/null && keepalived -t -f /etc/keepalived/keepalived.conf').then((v) => ({ lb, ...v }))),
      );
      for (const v of checks) assert.equal(v.code, 0, `after kill ${kills}, ${v.lb} runs a config that does not validate: ${v.output}`);
    }
    t.diagnostic(`${kills} SIGKILLs landed after: ${[...landed].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    assert.ok(kills >= 20, `${kills} kills in ${attempts} attempts`);
    // Rerun: converges (exit 0, verify passes), then a further run changes nothing.
    const rerun = apply();
    assert.equal(rerun.code, 0, JSON.stringify(doneOf(rerun.events).hosts));
    const again = apply();
    assert.equal(doneOf(again.events).changes, 0);
    for (const lb of LBS) {
      assert.equal(out(lb, 'systemctl is-active haproxy keepalived').trim().split('\n').join(' '), 'active active');
      assert.equal(out(lb, 'ls /var/lib/kubeha/pending 2>/dev/null | wc -l').trim(), '0');
    }
  });

  it('a write every 50 ms through the VIP while the VIP holder, one apiserver and one whole master go down: 0 acknowledged writes lost, the member rejoins', { timeout: 20 * 60_000 }, async () => {
    // Runs alone too (--test-name-pattern): apply first, a no-op when the cluster is up.
    assert.equal(apply().code, 0);
    const holder = LBS.find((lb) => out(lb, 'ip -o -4 addr show').includes(` ${VIP}/`)) ?? 'lb0';
    const prefix = `load-${process.pid}`;
    // 1200 writes, 50 ms apart (about a minute), 180 s at most: bounded in count and time.
    const writer = spawn('ip', ['netns', 'exec', lab.taskbox.netns, process.execPath, join(ROOT, 'test/fixtures/write-load/writer.mjs'), adminConf, 'default', prefix, '1200', '50', '180'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    writer.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const finished = new Promise<void>((res) => writer.on('exit', () => res()));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const fault = (host: string, f: string) => {
      const r = kubeha(['lab', 'fault', host, f, '--name', LAB], 120_000);
      assert.equal(r.status, 0, `${host} ${f}: ${r.stderr}`);
    };
    await sleep(3000);
    fault(holder, 'power-off'); // the VIP moves to the other LB
    await sleep(5000);
    fault(holder, 'power-on');
    await sleep(3000);
    assert.equal(ssh('m1', 'systemctl kill -s SIGKILL kube-apiserver.service').status, 0); // systemd restarts it
    await sleep(5000);
    fault('m2', 'power-off'); // apiserver and etcd member of m2 gone: 2 of 3 members keep quorum
    await sleep(10_000);
    fault('m2', 'power-on');
    await finished;
    const acked = [...log.matchAll(/^ack (\S+)$/gm)].map((m) => m[1]!);
    const failed = [...log.matchAll(/^fail (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.ok(log.includes('done'), 'the writer finished');
    assert.ok(acked.length > 100, `${acked.length} writes acknowledged`);
    // Every acknowledged write is readable afterwards (listed through the VIP, once the API answers).
    let names = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const r = client([kubectlBin, '--kubeconfig', adminConf, 'get', 'configmaps', '-n', 'default', '-o', 'name'], 60_000);
      if (r.status === 0) {
        names = new Set(r.stdout.split('\n').map((l) => l.replace(/^configmap\//, '').trim()));
        break;
      }
      await sleep(2000);
    }
    const lost = acked.filter((n) => !names.has(n));
    process.stderr.write(`write load: ${acked.length} acknowledged, ${failed.length} not acknowledged (${[...new Set(failed.map((f) => f.split(' ')[1]))].join(', ')}), ${lost.length} lost\n`);
    assert.deepEqual(lost, []);
    // m2's member rejoins: every member healthy again (bounded).
    let healthy = 0;
    for (let i = 0; i < 90 && healthy < 3; i++) {
      const r = ssh('m0', 'etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key --command-timeout=5s endpoint health --cluster');
      healthy = (r.stdout.match(/is healthy/g) ?? []).length;
      if (healthy < 3) await sleep(2000);
    }
    assert.equal(healthy, 3, 'every etcd member healthy after m2 came back');
  });
});
