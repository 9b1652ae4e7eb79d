/**
 * Lab figures for `npm run bench` (root only), each the median of 5 rounds: seconds from `kubeha lab up` to
 * SSH-ready on all 8 hosts of the default topology (warm base image; a cold one is built first and its cost
 * printed), memory per idle host, `lab down` time, and the lab's processes still alive when `lab down` returned.
 * Targets (issue 15): ≤ 5 s to SSH-ready, ≤ 20 MiB PSS per idle host, none left.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBaseImage } from '../src/lab/base-image.js';
import { cidrsOverlap, parseCidr } from '../src/net/ipv4.js';
import { labDown } from '../src/lab/lab.js';
import { rootNetworks } from '../src/lab/network.js';
import { containerInit, containerPids, isAlive, memoryOf, pidsWithArgPrefix } from '../src/lab/procs.js';
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

/** Rounds of up → idle → down; each figure is the median, with the range. */
const ROUNDS = Number(process.env['KUBEHA_BENCH_LAB_ROUNDS'] ?? 5);

const medianOf = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
/** `median (min–max, n runs)` with `digits` decimals. */
function spread(xs: number[], digits: number): string {
  const f = (x: number): string => x.toFixed(digits);
  return `${f(medianOf(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))}, ${xs.length} runs)`;
}

/** Processes of the lab still alive: its hosts' nspawns and supervisors (by `--machine=<lab>.`) and the recorded PIDs. */
function labProcesses(lab: string, recorded: number[]): number[] {
  return [...new Set([...pidsWithArgPrefix(`--machine=${lab}.`), ...recorded])].filter(isAlive);
}

export async function benchLab(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const base = await ensureBaseImage();
  out['base image'] = base.built ? `built now (cold): ${base.seconds.toFixed(1)} s, once per machine and recipe` : 'warm (cached)';
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
  const up: number[] = [];
  const version: number[] = [];
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const down: number[] = [];
  const left: number[] = [];
  const pss: number[] = [];
  const uss: number[] = [];
  const rss: number[] = [];
  const procs: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const u = kubeha(['lab', 'up', specPath, '--name', lab]);
      if (u.code !== 0) throw new Error(`lab up failed (${u.code}):\n${u.stderr.slice(-2000)}`);
      up.push(u.ms / 1000);
      // For scale, in the same round: what starting kubeha costs right now on this machine.
      version.push(kubeha(['--version']).ms / 1000);
      // Idle: let boot-time jobs finish before measuring memory.
      await new Promise((r) => setTimeout(r, 5000));
      const state = await readState(lab);
      if (!state) throw new Error('no state after lab up');
      for (const h of state.plan.hosts) {
        const init = containerInit(state.processes[h.name]);
        const pids = init === undefined ? [] : containerPids(init);
        const m = memoryOf(pids);
        pss.push(m.pss / 2 ** 20);
        uss.push(m.uss / 2 ** 20);
        rss.push(m.rss / 2 ** 20);
        procs.push(pids.length);
      }
      const recorded = Object.values(state.processes).flatMap((p) => (p ? [p.pid] : []));
      const d = kubeha(['lab', 'down', '--name', lab]);
      // At the moment `lab down` returned: nothing of the lab may still run.
      left.push(labProcesses(lab, recorded).length);
      if (d.code !== 0) throw new Error(`lab down failed (${d.code}):\n${d.stderr.slice(-2000)}`);
      down.push(d.ms / 1000);
    }
    out['lab up → SSH-ready on all 8 hosts (s, median)'] = `${spread(up, 2)}  target ≤ 5 (load average ${load} at the start)`;
    out['kubeha --version in the same rounds (s, median)'] = spread(version, 2);
    out['lab up / --version (medians)'] = `${(medianOf(up) / medianOf(version)).toFixed(1)}x`;
    out['memory per idle host, PSS (MiB, median of hosts × runs)'] = `${spread(pss, 1)}  target ≤ 20`;
    out['memory per idle host, USS / RSS (MiB, median)'] = `${medianOf(uss).toFixed(1)} / ${medianOf(rss).toFixed(1)}`;
    out['processes per idle host (median)'] = medianOf(procs);
    out['lab down, 8 hosts (s, median)'] = spread(down, 2);
    out['lab processes left when lab down returned (max over runs)'] = `${Math.max(...left)}  target 0`;
  } finally {
    await labDown(lab).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
