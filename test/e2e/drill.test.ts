import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DrillResult } from '../../src/measure/drill.js';
import type { ClusterStatus } from '../../src/measure/status.js';
import { kubehaCli, labWithCluster } from '../helpers/e2e-cluster.js';

/**
 * End to end: `kubeha apply` on a small lab (2 LBs + 3 masters: the real control plane, etcd + kube-apiserver +
 * controller-manager + scheduler, from `kubeha bundle`'s packages of the upstream binaries), then `kubeha status` and
 * `kubeha drill` against the real kube-apiserver (anonymous /readyz probes, watches with the admin certificate): a
 * power cut of the VIP holder, a HAProxy crash on the (new) holder, a kube-apiserver crash on one master. Asserts the
 * structure of each drill object, that the API recovered and the failback was measured: never a timing threshold
 * (the machine is shared). Own lab name and subnet from the PID (or KUBEHA_E2E_LAB / KUBEHA_E2E_NET); always removed.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TMP = mkdtempSync(join(tmpdir(), 'kubeha-drill-e2e-'));
const tag = process.pid % 200;
const NET = process.env['KUBEHA_E2E_NET'] ?? `10.202.${tag}`;
const SPEC = join(TMP, 'small.yaml');
// A subnet inside the default serviceCIDR (10.96.0.0/12, e.g. KUBEHA_E2E_NET=10.99.0) moves the service network away.
const inServiceCidr = /^10\.(9[6-9]|10[0-9]|11[01])\./.test(`${NET}.`);
writeFileSync(
  SPEC,
  readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', `${NET}.`).replace('name: apply-e2e', 'name: drill-e2e') + (inServiceCidr ? 'network:\n  serviceCIDR: 10.233.0.0/18\n' : ''),
);
const LAB = process.env['KUBEHA_E2E_LAB'] ?? `drill-e2e-${process.pid}`;
const MASTERS = ['m0', 'm1', 'm2'];
const STATE = join(TMP, 'state');

const kubeha = kubehaCli;

function whyNoLab(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root (systemd-nspawn, network namespaces)';
  if (spawnSync('sh', ['-c', 'command -v systemd-nspawn && command -v debootstrap'], { encoding: 'utf8' }).status !== 0) return 'systemd-nspawn or debootstrap is not installed';
  if (kubeha(['bundle', '--help'], 30_000).status !== 0) return '`kubeha bundle` is not available';
  return undefined;
}

const skip = whyNoLab();

function drill(scenario: string): { code: number | null; result: DrillResult; stderr: string } {
  // Bounded by the drill's own bounds (convergence 30 s, recovery 90 s, prober 300 s); this is a guard.
  const r = kubeha(['drill', SPEC, '--scenario', scenario, '--state-dir', STATE, '--output', 'json'], 600_000);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
  assert.equal(lines.length, 1, `one drill object: ${r.stdout}\n${r.stderr}`);
  return { code: r.status, result: JSON.parse(lines[0]!) as DrillResult, stderr: r.stderr };
}

function status(): { code: number | null; s: ClusterStatus } {
  const r = kubeha(['status', SPEC, '--state-dir', STATE, '--output', 'json'], 120_000);
  return { code: r.status, s: JSON.parse(r.stdout) as ClusterStatus };
}

function assertShape(r: DrillResult, scenario: string): void {
  assert.equal(r.scenario, scenario);
  for (const k of ['probes', 'failed', 'outageMs', 'brokenWatches'] as const) assert.ok(Number.isInteger(r[k]) && r[k] >= 0, `${k}: ${r[k]}`);
  assert.ok(r.probes > 0, 'probes ran while the fault lasted');
  assert.ok(r.failed <= r.probes);
  assert.ok(Number.isInteger(r.failedNew) && r.failedNew !== undefined && r.failedNew <= r.failed, `failedNew: ${r.failedNew}`);
  assert.ok(r.newFrom !== undefined && r.newFrom >= r.faultAt && r.newFrom < r.restoreAt, 'new requests count from when the fault had taken effect');
  assert.ok(Number.isFinite(r.outageMs), 'the outage is finite');
  assert.ok(Array.isArray(r.vipHoldersBefore) && Array.isArray(r.vipHoldersAfter));
  assert.ok(Array.isArray(r.transitions));
  for (const t of r.transitions) assert.ok(['MASTER', 'BACKUP', 'FAULT'].includes(t.state) && Number.isFinite(t.atMs));
  assert.ok(r.failback && Number.isInteger(r.failback.failed) && Number.isInteger(r.failback.brokenWatches), 'failback measured');
  assert.ok(r.restoreAt > r.faultAt && r.endAt > r.restoreAt, 'fault, then restore, then end');
  assert.ok(r.prediction && Array.isArray(r.prediction.vipHolders) && typeof r.prediction.apiReachable === 'boolean');
  assert.ok(Array.isArray(r.findings));
  assert.equal(r.baseline.failed, 0, 'the cluster was healthy before the fault');
}

describe('drill e2e in the lab', { skip, timeout: 45 * 60_000 }, () => {
  before(async () => {
    await labWithCluster(SPEC, LAB, STATE);
  });

  after(() => {
    if (!skip) kubeha(['lab', 'down', '--name', LAB], 120_000);
    rmSync(TMP, { recursive: true, force: true });
  });

  it('status: healthy, one LB holds the VIP, HAProxy sees every master UP, every /readyz answers, etcd healthy', async () => {
    // HAProxy marks servers up after `rise` checks: a few seconds at most; bounded.
    let last = status();
    for (let i = 0; i < 60 && last.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      last = status();
    }
    assert.equal(last.code, 0, JSON.stringify(last.s.verdict));
    assert.equal(last.s.verdict.state, 'healthy');
    assert.equal(last.s.lbs.filter((l) => l.holdsVip).length, 1);
    for (const l of last.s.lbs) assert.deepEqual(l.servers?.map((s) => s.status).sort(), ['UP', 'UP', 'UP'], l.host);
    assert.equal(last.s.readyz.length, 1 + MASTERS.length);
    for (const r of last.s.readyz) assert.equal(r.ok, true, `${r.target}: ${r.detail}`);
    assert.equal(last.s.etcd.state, 'healthy', JSON.stringify(last.s.etcd));
    assert.deepEqual(last.s.etcd.members?.map((m) => m.healthy), MASTERS.map(() => true));
  });

  it('node-down of the VIP holder, then haproxy-down of the new holder: the VIP moves, the API recovers, failback measured', () => {
    const holder = status().s.lbs.find((l) => l.holdsVip)!.host;
    const first = drill(`node-down:${holder}`);
    assertShape(first.result, `node-down:${holder}`);
    assert.deepEqual(first.result.vipHoldersBefore, [holder]);
    assert.equal(first.result.vipHoldersAfter.length, 1);
    assert.notEqual(first.result.vipHoldersAfter[0], holder, 'the VIP left the powered-off holder');
    assert.ok(first.result.transitions.some((t) => t.state === 'MASTER' && t.host === first.result.vipHoldersAfter[0]), 'the new holder logged its MASTER transition');
    assert.equal(first.result.recovered, true, first.stderr);
    assert.deepEqual(first.result.findings.filter((f) => f.severity === 'error'), []);
    assert.equal(first.code, 0, first.stderr);

    const next = status().s.lbs.find((l) => l.holdsVip)!.host;
    const second = drill(`haproxy-down:${next}`);
    assertShape(second.result, `haproxy-down:${next}`);
    assert.equal(second.result.reachable, true, 'the API answered while HAProxy was down on the holder');
    assert.equal(second.result.recovered, true, second.stderr);
    assert.deepEqual(second.result.findings.filter((f) => f.severity === 'error'), []);
    assert.equal(second.code, 0, second.stderr);
  });

  it('apiserver-down of one master: HAProxy takes it out, the API stays reachable, the apiserver comes back', () => {
    const r0 = status().s;
    const m = r0.readyz.find((r) => r.target === MASTERS[1])!;
    const address = new URL(m.url).hostname;
    const scenario = `apiserver-down:${address}:6443`;
    const d = drill(scenario);
    assertShape(d.result, scenario);
    assert.equal(d.result.vipHoldersAfter.length, 1, 'the VIP stays where it was');
    assert.deepEqual(d.result.vipHoldersAfter, d.result.vipHoldersBefore);
    assert.equal(d.result.reachable, true, 'the API answered through the other masters');
    assert.equal(d.result.recovered, true, d.stderr);
    assert.ok(!d.result.notes.some((n) => n.includes('did not answer /readyz again')), d.result.notes.join('; '));
    assert.deepEqual(d.result.findings.filter((f) => f.severity === 'error'), []);
    assert.equal(d.code, 0, d.stderr);
    const after = status().s;
    assert.equal(after.readyz.find((r) => r.target === MASTERS[1])?.ok, true, 'the killed apiserver answers /readyz again');
  });

  it('after the drills the cluster is whole again (status healthy)', async () => {
    // HAProxy, restarted by the last drill's undo, marks its servers up after `rise` checks: bounded wait.
    let last = status();
    for (let i = 0; i < 60 && last.s.verdict.state !== 'healthy'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      last = status();
    }
    assert.equal(last.s.verdict.state, 'healthy', JSON.stringify(last.s.verdict));
    assert.equal(last.code, 0);
  });
});
