/**
 * `npm run bench -- control-plane` (root): the time from an empty lab (base image, bundle and Kubernetes binaries
 * cached) to `/readyz` ok through the VIP, on the apply e2e topology (2 LBs + 3 masters: etcd, kube-apiserver,
 * controller-manager, scheduler), where that time goes, and each control-plane host's memory. Target: ≤ 90 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplyEvent } from '../src/apply/events.js';
import { rootNetworks } from '../src/lab/network.js';
import { listLabs } from '../src/lab/state.js';
import { freeSubnet } from './lab.js';

const ROOT = new URL('..', import.meta.url).pathname;
const KUBEHA = join(ROOT, 'bin/kubeha');

function kubeha(args: string[], timeoutMs = 900_000): { ms: number; code: number | null; stdout: string; stderr: string } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [KUBEHA, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { ms: Date.now() - t0, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Wall time of each phase over all hosts: first phase-start to last phase-done. */
function phaseWalls(events: ApplyEvent[]): Map<string, number> {
  const span = new Map<string, [number, number]>();
  for (const e of events) {
    if (e.type !== 'phase-start' && e.type !== 'phase-done') continue;
    const t = Date.parse(e.time);
    const s = span.get(e.phase) ?? [t, t];
    span.set(e.phase, [Math.min(s[0], t), Math.max(s[1], t)]);
  }
  return new Map([...span].map(([p, [a, b]]) => [p, b - a]));
}

export async function benchControlPlane(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const n = freeSubnet((await listLabs()).map((l) => l.plan.subnet), await rootNetworks());
  if (n === undefined) return { skipped: 'no free 10.x.0.0/24 subnet' };
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-cp-'));
  const spec = join(dir, 'cp.yaml');
  const lab = `bench-cp-${process.pid}`;
  writeFileSync(spec, readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', `10.${n}.0.`).replace('name: apply-e2e', 'name: bench-cp'));
  const state = join(dir, 'state');
  // Not timed: the cached inputs (base image, bundle with the Kubernetes packages, binaries).
  const b = kubeha(['bundle', '--spec', spec]);
  if (b.code !== 0) return { skipped: `kubeha bundle failed: ${b.stderr.slice(-500)}` };
  let up = false;
  try {
    const t0 = Date.now();
    const labUp = kubeha(['lab', 'up', spec, '--name', lab, '--ssh-timeout', '180']);
    up = labUp.code === 0;
    if (!up) return { skipped: `lab up failed: ${labUp.stderr.slice(-500)}` };
    const apply = kubeha(['apply', spec, '--yes', '--state-dir', state, '--output', 'json']);
    const events = apply.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ApplyEvent);
    if (apply.code !== 0) return { failed: `apply exited ${apply.code}: ${apply.stderr.slice(-800)}` };
    const tApplied = Date.now();
    let readyAt = 0;
    for (let i = 0; i < 120 && !readyAt; i++) {
      const r = kubeha(['kubectl', spec, '--state-dir', state, '--', 'get', '--raw', '/readyz'], 30_000);
      if (r.code === 0 && r.stdout.trim() === 'ok') readyAt = Date.now();
      else spawnSync('sleep', ['0.5']);
    }
    if (!readyAt) return { failed: '/readyz never answered ok through the VIP' };
    out['empty lab to /readyz ok through the VIP (s, target ≤ 90)'] = `${((readyAt - t0) / 1000).toFixed(1)} ${(readyAt - t0) / 1000 <= 90 ? '✓' : '✗'}`;
    out['  lab up (s)'] = (labUp.ms / 1000).toFixed(1);
    out['  apply, whole command (s)'] = (apply.ms / 1000).toFixed(1);
    for (const [phase, ms] of phaseWalls(events)) out[`    phase ${phase} (s, all hosts)`] = (ms / 1000).toFixed(1);
    out['  first kubeha kubectl get --raw /readyz after apply (s)'] = ((readyAt - tApplied) / 1000).toFixed(1);
    for (const h of ['m0', 'm1', 'm2', 'lb0']) {
      const r = kubeha(['lab', 'ssh', h, '--name', lab, '--', "ps -eo rss=,comm= | awk '{s+=$1; if ($1 > 20000) printf \"%s %d, \", $2, $1/1024} END {printf \"total %d MiB RSS\", s/1024}'"], 60_000);
      out[`memory of ${h} (MiB RSS per process > 20 MiB)`] = r.stdout.trim() || r.stderr.trim().slice(-200);
    }
  } finally {
    if (up) kubeha(['lab', 'down', '--name', lab], 300_000);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
