/**
 * `npm run bench`: prints figures. Speed targets live here, never in unit tests.
 * Process times are measured as ratios to `kubeha --version` in the same run (this machine is noisy):
 * runs are interleaved and the median of each is compared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigSpec } from './big-spec.js';

const ROOT = new URL('..', import.meta.url).pathname;
const KUBEHA = join(ROOT, 'bin/kubeha');

interface Timed {
  label: string;
  args: string[];
  /** Exit codes that count as a valid run. */
  ok: number[];
}

function timeOnce(args: string[]): { ms: number; code: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [KUBEHA, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code: r.status, stderr: r.stderr };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export function compareToVersion(cases: Timed[], rounds = 7): Record<string, string> {
  const samples = new Map<string, number[]>([['--version', []]]);
  for (const c of cases) samples.set(c.label, []);
  for (let i = 0; i < rounds; i++) {
    samples.get('--version')?.push(timeOnce(['--version']).ms);
    for (const c of cases) {
      const r = timeOnce(c.args);
      if (r.code === null || !c.ok.includes(r.code)) throw new Error(`${c.label}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
      samples.get(c.label)?.push(r.ms);
    }
  }
  const base = median(samples.get('--version') ?? []);
  const out: Record<string, string> = { 'kubeha --version (median ms)': base.toFixed(1) };
  for (const c of cases) {
    const m = median(samples.get(c.label) ?? []);
    out[`${c.label} (median ms)`] = m.toFixed(1);
    out[`${c.label} / --version`] = `${(m / base).toFixed(2)}x`;
  }
  return out;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  const only = process.argv.slice(2);
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-'));
  const figures: Record<string, string> = {};
  try {
    if (want('core')) {
      const specPath = join(dir, 'big.yaml');
      writeFileSync(specPath, bigSpec(5, 5000));
      const cases: Timed[] = [
        { label: 'check (5 masters, 5000 workers)', args: ['check', specPath], ok: [0, 1] },
        { label: 'render (5 masters, 5000 workers)', args: ['render', specPath, '--out', join(dir, 'out'), '--state-dir', join(dir, 'state')], ok: [0] },
      ];
      const seeds = join(ROOT, 'test/fixtures/seeds');
      for (const s of ['seed-000', 'seed-002', 'seed-003', 'seed-004']) {
        if (existsSync(join(seeds, s))) cases.push({ label: `analyze ${s}`, args: ['analyze', join(seeds, s)], ok: [0, 1] });
      }
      Object.assign(figures, compareToVersion(cases));
    }
    for (const [name, mod, fn] of [
      ['lab', './lab.js', 'benchLab'],
      ['apply', './apply.js', 'benchApply'],
    ] as const) {
      if (!want(name) || !existsSync(join(ROOT, 'bench', `${name}.ts`))) continue;
      if (process.getuid?.() !== 0) {
        figures[`${name}`] = 'skipped: needs root';
        continue;
      }
      const m = (await import(mod)) as Record<string, () => Promise<Record<string, number | string>>>;
      const run = m[fn];
      if (run) for (const [k, v] of Object.entries(await run())) figures[`${name}: ${k}`] = String(v);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
