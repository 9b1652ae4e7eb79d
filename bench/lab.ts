/**
 * Lab figures for `npm run bench` (root only): seconds from `kubeha lab up` to SSH-ready on all 8 hosts of the
 * default topology (warm base image), memory per idle host, and `lab down` time.
 * Targets (issue 5): ≤ 15 s to SSH-ready, ≤ 60 MiB per idle host.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBaseImage } from '../src/lab/base-image.js';
import { cidrsOverlap, parseCidr } from '../src/net/ipv4.js';
import { labDown } from '../src/lab/lab.js';
import { rootNetworks } from '../src/lab/network.js';
import { containerInit, containerPids, memoryOf } from '../src/lab/procs.js';
import { listLabs, readState } from '../src/lab/state.js';

const ROOT = new URL('..', import.meta.url).pathname;
const KUBEHA = join(ROOT, 'bin/kubeha');

function kubeha(args: string[]): { ms: number; code: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [KUBEHA, ...args], { encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code: r.status, stderr: r.stderr };
}

/** Second octet of the first 10.x.0.0/24 (77 first, then 100…199) that no lab and no root-namespace network uses. */
export function freeSubnet(labSubnets: string[], rootNets: string[]): number | undefined {
  const candidates = [77, ...Array.from({ length: 100 }, (_, i) => 100 + i)];
  return candidates.find((n) => {
    const net = parseCidr(`10.${n}.0.0/24`);
    const busy = [...labSubnets, ...rootNets].map((c) => parseCidr(c.includes('/') ? c : `${c}/32`));
    return net !== undefined && !busy.some((b) => b !== undefined && b.prefix > 0 && cidrsOverlap(b, net));
  });
}

export async function benchLab(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const base = await ensureBaseImage();
  if (base.built) out['base image build (s, cold)'] = base.seconds.toFixed(1);
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-lab-'));
  const lab = `bench-${process.pid}`;
  // The default topology at its own addresses, unless another lab (or this machine) holds them: then the same
  // shape on the first free 10.x.0.0/24.
  let spec = readFileSync(join(ROOT, 'examples/cluster.yaml'), 'utf8');
  const subnet = freeSubnet((await listLabs()).map((s) => s.plan.subnet), await rootNetworks());
  if (subnet === undefined) throw new Error('no free 10.x.0.0/24 for the bench lab');
  if (subnet !== 77) {
    spec = spec.replaceAll('10.77.0.', `10.${subnet}.0.`);
    out['note'] = `another lab holds 10.77.0.0/24: measured on 10.${subnet}.0.0/24`;
  }
  const specPath = join(dir, 'cluster.yaml');
  writeFileSync(specPath, spec);
  try {
    const up = kubeha(['lab', 'up', specPath, '--name', lab]);
    if (up.code !== 0) throw new Error(`lab up failed (${up.code}):\n${up.stderr.slice(-2000)}`);
    out['lab up → SSH-ready on all 8 hosts (s)'] = (up.ms / 1000).toFixed(2);
    out['lab up target (s)'] = 15;
    // Idle: let boot-time jobs finish before measuring memory.
    await new Promise((r) => setTimeout(r, 5000));
    const state = await readState(lab);
    if (!state) throw new Error('no state after lab up');
    const perHost = state.plan.hosts.map((h) => {
      const init = containerInit(state.processes[h.name]);
      const pids = init === undefined ? [] : containerPids(init);
      return { procs: pids.length, ...memoryOf(pids) };
    });
    const mib = (f: (m: (typeof perHost)[number]) => number): string => (perHost.reduce((a, m) => a + f(m), 0) / perHost.length / 2 ** 20).toFixed(1);
    out['memory per idle host, PSS mean (MiB)'] = mib((m) => m.pss);
    out['memory per idle host, PSS max (MiB)'] = (Math.max(...perHost.map((m) => m.pss)) / 2 ** 20).toFixed(1);
    out['memory per idle host, USS mean (MiB)'] = mib((m) => m.uss);
    out['memory per idle host, RSS mean (MiB)'] = mib((m) => m.rss);
    out['processes per idle host'] = mib((m) => m.procs * 2 ** 20);
    out['memory target (MiB)'] = 60;
    const down = kubeha(['lab', 'down', '--name', lab]);
    if (down.code !== 0) throw new Error(`lab down failed (${down.code}):\n${down.stderr.slice(-2000)}`);
    out['lab down, 8 hosts (s)'] = (down.ms / 1000).toFixed(2);
  } finally {
    await labDown(lab).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
