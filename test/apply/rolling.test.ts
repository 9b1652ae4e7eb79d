import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../../src/apply/engine.js';
import { PHASE_NAMES } from '../../src/apply/phases/index.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import type { HostPlan, Plan, Step } from '../../src/apply/types.js';
import type { RemoteHost } from '../../src/remote/ssh.js';

/**
 * Ordering of the engine, not the transport (that is covered over real SSH in engine.test.ts and the lab e2e):
 * a recording host answers every command at once after a short delay, so that hosts overlap unless the engine rolls.
 */
function recordingHost(name: string, log: string[]): RemoteHost {
  const exec = async (command: string) => {
    log.push(`${name}: ${command.split('\n')[0] ?? ''}`);
    await new Promise((r) => setTimeout(r, 15));
    const stdout = command.includes('is-active') ? 'unit keepalived.service active\n' : '';
    return { stdout, stderr: '', exitCode: 0, signal: undefined };
  };
  return { name, exec, run: async (c: string) => (await exec(c)).stdout };
}

function lbPlan(host: string, action: 'restart' | 'reload'): HostPlan {
  const steps: Step[] = [
    { id: `services:keepalived.service:${action}`, phase: 'services', reason: 'config changed', title: `${action} keepalived.service`, kind: 'service', unit: 'keepalived.service', action, clears: [] },
    { id: 'verify', phase: 'verify', reason: 'check', title: 'check keepalived.service', kind: 'verify', units: ['keepalived.service'], files: [] },
  ];
  return { host, address: '10.0.0.1', packageManager: 'apt', steps, changes: 1 };
}

async function run(action: 'restart' | 'reload'): Promise<ApplyEvent[]> {
  const plan: Plan = { phases: [...PHASE_NAMES], hosts: ['lb0', 'lb1', 'lb2'].map((h) => lbPlan(h, action)), changes: 3 };
  const events: ApplyEvent[] = [];
  const log: string[] = [];
  const result = await runPlan(plan, { parallel: 8, hostFor: (n) => recordingHost(n, log), emit: (e) => events.push(e) });
  assert.equal(result.ok, true);
  return events;
}

/** Intervals [services start, verify done] per host, in event order. */
function windows(events: ApplyEvent[]): Map<string, [number, number]> {
  const w = new Map<string, [number, number]>();
  events.forEach((e, i) => {
    if (e.type === 'phase-start' && e.phase === 'services') w.set(e.host, [i, -1]);
    if (e.type === 'phase-done' && e.phase === 'verify') w.get(e.host)![1] = i;
  });
  return w;
}

test('restarts roll: no two hosts are between their services start and their verify done at the same time', async () => {
  const w = [...windows(await run('restart')).values()].sort((a, b) => a[0] - b[0]);
  assert.equal(w.length, 3);
  for (let i = 1; i < w.length; i++) assert.ok(w[i]![0] > w[i - 1]![1], `windows overlap: ${JSON.stringify(w)}`);
});

test('reloads (hitless) are not serialised: hosts overlap', async () => {
  const w = [...windows(await run('reload')).values()].sort((a, b) => a[0] - b[0]);
  assert.ok(w.some((x, i) => i > 0 && x[0] < w[i - 1]![1]), `expected overlap: ${JSON.stringify(w)}`);
});
