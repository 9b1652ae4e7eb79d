/**
 * `npm run bench`: prints figures. Speed targets live here, never in unit tests.
 * Process times are measured as ratios to `kubeha --version` in the same run (this machine is noisy):
 * runs are interleaved and the median of each is compared. `kubeha --version` itself is compared with a bare
 * `node -e 0` the same way: it loads no command's code (target ≤ 1.5×).
 *
 * The children run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS: node parses the extra CA file at every start-up
 * (~40 ms of CPU for the 144 certificates of this machine's bundle), a constant that is no part of kubeha and that
 * would hide a ratio (`analyze` / `--version` read 1.9× with it and 2.9× without, on the same build).
 * `npm run bench -- core analyze` runs the groups named (default: all).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigSpec } from './big-spec.js';

const ROOT = new URL('..', import.meta.url).pathname;
const KUBEHA = join(ROOT, 'bin/kubeha');

interface Timed {
  label: string;
  /** Per round (0-based), e.g. a new output directory every time. */
  args: string[] | ((round: number) => string[]);
  /** Exit codes that count as a valid run. */
  ok: number[];
}

/** The environment of the timed processes: this one's, without what adds its own start-up work to every node. */
const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS' && k !== 'NODE_OPTIONS'));

/**
 * CPU time (user + sys) of one kubeha process: less sensitive than wall time to the other work on a 2-core machine.
 * bash's `times` prints the children's totals on its second line.
 */
function timeOnce(args: string[], argv: string[] = [process.execPath, KUBEHA, ...args]): { ms: number; userMs: number; sysMs: number; code: number | null; stderr: string } {
  const script = '"$@" >/dev/null 2>"$KUBEHA_BENCH_ERR"; code=$?; times; exit $code';
  const errFile = join(tmpdir(), `kubeha-bench-${process.pid}.err`);
  const r = spawnSync('bash', ['-c', script, 'bench', ...argv], { encoding: 'utf8', env: { ...CHILD_ENV, KUBEHA_BENCH_ERR: errFile } });
  const children = r.stdout.trim().split('\n')[1] ?? '';
  const [user = 0, sys = 0] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => (Number(m[1]) * 60 + Number(m[2])) * 1000);
  const stderr = existsSync(errFile) ? readFileSync(errFile, 'utf8') : '';
  return { ms: user + sys, userMs: user, sysMs: sys, code: r.status, stderr };
}

const loadAverage = (): string => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'unknown');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export function compareToVersion(cases: Timed[], rounds = Number(process.env['KUBEHA_BENCH_ROUNDS'] ?? 7)): Record<string, string> {
  type Sample = { ms: number; userMs: number; sysMs: number };
  const samples = new Map<string, Sample[]>([
    ['node -e 0', []],
    ['--version', []],
  ]);
  for (const c of cases) samples.set(c.label, []);
  for (let i = 0; i < rounds; i++) {
    samples.get('node -e 0')?.push(timeOnce([], [process.execPath, '-e', '0']));
    samples.get('--version')?.push(timeOnce(['--version']));
    for (const c of cases) {
      const r = timeOnce(typeof c.args === 'function' ? c.args(i) : c.args);
      if (r.code === null || !c.ok.includes(r.code)) throw new Error(`${c.label}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
      samples.get(c.label)?.push(r);
    }
  }
  const of = (label: string, k: keyof Sample): number => median((samples.get(label) ?? []).map((s) => s[k]));
  const base = of('--version', 'ms');
  const bare = of('node -e 0', 'ms');
  const out: Record<string, string> = {
    'node -e 0 (median CPU ms)': bare.toFixed(1),
    'kubeha --version (median CPU ms)': base.toFixed(1),
    'kubeha --version / node -e 0 (target ≤ 1.5x)': `${(base / bare).toFixed(2)}x`,
  };
  for (const c of cases) {
    const m = of(c.label, 'ms');
    out[`${c.label} (median CPU ms: user + sys)`] = `${m.toFixed(1)} = ${of(c.label, 'userMs').toFixed(0)} + ${of(c.label, 'sysMs').toFixed(0)}`;
    out[`${c.label} / --version`] = `${(m / base).toFixed(2)}x`;
  }
  out[`rounds (alternating), load average at the end`] = `${rounds}, ${loadAverage()}`;
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
        // Into the previous render's mirror (the usual edit → render loop; the first round makes it).
        { label: 'render (5 masters, 5000 workers)', args: ['render', specPath, '--out', join(dir, 'out'), '--state-dir', join(dir, 'state')], ok: [0] },
        // Into a new directory every round: 15 000 mkdir + 5 000 creat, mostly kernel (sys) time of the file system.
        { label: 'render into a new dir', args: (i) => ['render', specPath, '--out', join(dir, `new-${i}`), '--state-dir', join(dir, 'state')], ok: [0] },
      ];
      Object.assign(figures, compareToVersion(cases));
    }
    if (want('analyze')) {
      // Every mirror fixture: the seeds' own configs and the brownfield ones (target ≤ 2× each, issue 16).
      const cases: Timed[] = [];
      for (const group of ['seeds', 'brownfield']) {
        const dir = join(ROOT, 'test/fixtures', group);
        for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
          if (existsSync(join(dir, name, 'hosts.yaml'))) cases.push({ label: `analyze ${group}/${name}`, args: ['analyze', join(dir, name)], ok: [0, 1] });
        }
      }
      const got = compareToVersion(cases);
      const ratios = Object.entries(got)
        .filter(([k]) => k.startsWith('analyze ') && k.endsWith(' / --version'))
        .map(([, v]) => parseFloat(v));
      got['analyze, every mirror fixture / --version (target ≤ 2x)'] = `${Math.min(...ratios).toFixed(2)}x–${Math.max(...ratios).toFixed(2)}x`;
      // Its own --version and node -e 0 rounds: named apart from the core group's.
      for (const [k, v] of Object.entries(got)) figures[k.startsWith('analyze') ? k : `(analyze rounds) ${k}`] = v;
    }
    if (want('hostile')) {
      const { benchHostile } = await import('./hostile.js');
      Object.assign(figures, benchHostile());
    }
    for (const [name, mod, fn] of [
      ['lab', './lab.js', 'benchLab'],
      ['apply', './apply.js', 'benchApply'],
      ['control-plane', './control-plane.js', 'benchControlPlane'],
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
