import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../../src/apply/engine.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import { APPLY_PHASES, PHASE_NAMES } from '../../src/apply/phases/index.js';
import { planCluster } from '../../src/apply/plan.js';
import type { Plan, Step } from '../../src/apply/types.js';
import type { RemoteHost } from '../../src/remote/ssh.js';

/** The phase list is data: the plan carries it, and the engine runs whatever phases it names, in its order. */

function answeringHost(name: string, log: string[]): RemoteHost {
  const exec = (command: string) => {
    log.push(command.split('\n')[0] ?? '');
    const stdout = command.includes('is-active') ? 'unit etcd.service active\n' : '';
    return Promise.resolve({ stdout, stderr: '', exitCode: 0, signal: undefined });
  };
  return { name, exec, run: async (c: string) => (await exec(c)).stdout };
}

test('the planner runs the phases of the list in order; the plan carries their names', () => {
  assert.deepEqual(PHASE_NAMES, ['preflight', 'packages', 'files', 'services', 'kubeadm', 'etcd', 'apiserver', 'controllers', 'verify']);
  assert.deepEqual(APPLY_PHASES.map((p) => p.name), PHASE_NAMES);
  const plan = planCluster([{ host: 'h', address: '10.0.0.1', packages: [], services: [], files: [] }], new Map([['h', { host: 'h', packageManager: 'apt', os: '', installed: {}, installable: {}, files: {}, services: {}, pending: [], tempFiles: [] }]]));
  assert.deepEqual(plan.phases, PHASE_NAMES);
});

test('the engine follows the plan\'s phases: a phase it has never heard of runs, in the plan\'s order', async () => {
  const steps: Step[] = [
    { id: 'verify', phase: 'verify', kind: 'verify', units: ['etcd.service'], files: [], title: 'check etcd', reason: 'always' },
    { id: 'etcd:etcd.service:restart', phase: 'etcd', kind: 'service', unit: 'etcd.service', action: 'restart', clears: [], title: 'restart etcd.service', reason: 'a later component' },
  ];
  const plan: Plan = { phases: ['preflight', 'etcd', 'verify'], hosts: [{ host: 'm0', address: '10.0.0.21', packageManager: 'apt', steps, changes: 1 }], changes: 1 };
  const events: ApplyEvent[] = [];
  const log: string[] = [];
  const startedAt = Date.now() - 5000;
  const result = await runPlan(plan, { hostFor: (n) => answeringHost(n, log), emit: (e) => events.push(e), startedAt, observeMs: 1234 });
  assert.equal(result.ok, true);
  assert.deepEqual(events.filter((e) => e.type === 'phase-start').map((e) => (e.type === 'phase-start' ? e.phase : '')), ['etcd', 'verify']);
  assert.match(log[0]!, /systemctl restart etcd\.service/);
  const planEvent = events.find((e) => e.type === 'plan');
  assert.ok(planEvent?.type === 'plan' && planEvent.observeMs === 1234 && planEvent.phases.join() === 'etcd,verify');
  const done = events.find((e) => e.type === 'done');
  assert.ok(done?.type === 'done' && done.ms >= 5000, 'the summary counts from the start of the command');
});

test('a host with nothing to change is verified by its observation: no second round trip', async () => {
  const want = { host: 'h', address: '10.0.0.1', packages: [], services: ['haproxy.service'], files: [{ path: '/etc/x.conf', content: 'x\n', mode: 0o644 }] };
  const converged = { host: 'h', packageManager: 'apt', os: '', installed: {}, installable: {}, files: { '/etc/x.conf': { content: 'x\n', mode: 0o644, owner: 'root' } }, services: { 'haproxy.service': { active: 'active', enabled: 'enabled', startedAt: '1' } }, pending: [], tempFiles: [] };
  const noop = planCluster([want], new Map([['h', converged]]));
  const verify = noop.hosts[0]!.steps.find((s) => s.kind === 'verify');
  assert.ok(verify?.kind === 'verify' && verify.observed === true);
  const log: string[] = [];
  const events: ApplyEvent[] = [];
  await runPlan(noop, { hostFor: (n) => answeringHost(n, log), emit: (e) => events.push(e) });
  assert.deepEqual(log, []);
  assert.ok(events.some((e) => e.type === 'step-done' && e.kind === 'verify' && e.detail === '1 unit(s) active, 1 file(s) match'));

  const drifted = planCluster([want], new Map([['h', { ...converged, files: { '/etc/x.conf': { content: 'y\n', mode: 0o644, owner: 'root' } } }]]));
  const remote = drifted.hosts[0]!.steps.find((s) => s.kind === 'verify');
  assert.ok(remote?.kind === 'verify' && remote.observed === undefined, 'after a change the host itself is asked');
});
