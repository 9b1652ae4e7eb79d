/**
 * Regenerates test/fixtures/analysis-real/expected.json: what the REAL HAProxy does with each case's haproxy.cfg,
 * in network namespaces of its own, against a Go TLS server that answers like kube-apiserver
 * (test/fixtures/analysis-real/apiserver-like, built with /usr/local/go/bin/go).
 *
 * For every case (a mirror DIR under test/fixtures/analysis-real/cases/):
 * - one namespace per host of hosts.yaml (`kubeha-analysis-<case#>-<host>`), joined by a bridge in a namespace of
 *   their own (`kubeha-analysis-<case#>-sw`); nothing is created in the root namespace;
 * - the host's sysctl files are applied inside its namespace with `sysctl -p`, in systemd-sysctl's order;
 * - the apiserver-like server on every apiserver host, HAProxy (`haproxy -db`) with the case's haproxy.cfg on the LB;
 * - records: did HAProxy start, each server's check status (`show stat`), whether a TLS client that connects to
 *   the endpoint by address gets 200 from /healthz on every one of 4 tries (scenario `none`), and the same after
 *   the first server's apiserver is killed and HAProxy had time to notice (scenario `apiserver-down:<addr>:<port>`).
 * Everything started is stopped by PID and every namespace deleted, also on failure.
 *
 * Usage (root): node --import tsx scripts/analysis-real.ts [CASE…]   (default: every case; rewrites expected.json)
 * Environment: KUBEHA_ANALYSIS_NS (namespace prefix, default `kubeha-analysis-`) and KUBEHA_ANALYSIS_SUBNET (a /24
 * as `a.b.c.`, default the cases' own 10.98.0.): with another subnet each case is copied with its addresses rewritten,
 * and the recorded verdict is mapped back to 10.98.0., so two runs on one machine never share names or addresses.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'test/fixtures/analysis-real');
const CASES = join(FIX, 'cases');
const GO = '/usr/local/go/bin/go';
const CASE_SUBNET = '10.98.0.';
const SUBNET = process.env['KUBEHA_ANALYSIS_SUBNET'] ?? CASE_SUBNET;
const NS_PREFIX = process.env['KUBEHA_ANALYSIS_NS'] ?? 'kubeha-analysis-';
if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.$/.test(SUBNET)) throw new Error(`KUBEHA_ANALYSIS_SUBNET=${SUBNET}: want a /24 prefix such as 10.96.0.`);
if (!/^[a-z][a-z0-9-]{0,15}$/.test(NS_PREFIX)) throw new Error(`KUBEHA_ANALYSIS_NS=${NS_PREFIX}: want lower-case letters, digits and -`);
/** The case's files with its subnet replaced (a copy under tmp), or the case folder itself. */
function caseDir(name: string, tmp: string): string {
  const src = join(CASES, name);
  if (SUBNET === CASE_SUBNET) return src;
  const dst = join(tmp, `case-${name}`);
  cpSync(src, dst, { recursive: true });
  for (const rel of filesUnder(dst)) writeFileSync(join(dst, rel), readFileSync(join(dst, rel), 'utf8').split(CASE_SUBNET).join(SUBNET));
  return dst;
}
/** A recorded verdict with the run's subnet mapped back to the cases' own. */
const mapBack = (r: CaseResult): CaseResult => (SUBNET === CASE_SUBNET ? r : (JSON.parse(JSON.stringify(r).split(SUBNET).join(CASE_SUBNET)) as CaseResult));
const TRIES = 4;

interface Host {
  name: string;
  address: string;
  apiserver?: boolean | number;
}
interface Manifest {
  endpoint: string;
  hosts: Host[];
}
export interface CaseResult {
  haproxyStarted: Record<string, boolean>;
  /** With keepalived on the LBs: the hosts that hold the endpoint address (scenario `none`). */
  vipHolders?: string[];
  /** Check status per LB host, backend/server → UP, DOWN, no check, … */
  servers: Record<string, Record<string, string>>;
  scenarios: Record<string, { apiReachable: boolean; probes: string[] }>;
}

const procs: ChildProcess[] = [];
const namespaces: string[] = [];

function sh(cmd: string, args: string[], allowFail = false): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (e) {
    if (allowFail) return '';
    throw e;
  }
}
const inNs = (ns: string, cmd: string[], allowFail = false): string => sh('ip', ['netns', 'exec', ns, ...cmd], allowFail);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function start(ns: string, cmd: string[], log: string): ChildProcess {
  const p = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  p.on('exit', () => writeFileSync(log, out));
  procs.push(p);
  return p;
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      r();
    }, 3000);
    p.once('exit', () => {
      clearTimeout(t);
      r();
    });
    p.kill('SIGTERM');
  });
}

async function teardown(): Promise<void> {
  for (const p of procs.splice(0)) await stop(p);
  for (const ns of namespaces.splice(0).reverse()) sh('ip', ['netns', 'del', ns], true);
}

/** Paths of the files under `root`, relative to it. */
function filesUnder(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(join(root, rel))) {
    const r = rel ? `${rel}/${f}` : f;
    if (statSync(join(root, r)).isDirectory()) out.push(...filesUnder(root, r));
    else out.push(r);
  }
  return out;
}

/** Files under etc/sysctl.d (by file name) then etc/sysctl.conf: systemd-sysctl's order, later files winning. */
function sysctlFiles(hostDir: string): string[] {
  const d = join(hostDir, 'etc/sysctl.d');
  const out = existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.conf')).sort().map((f) => join(d, f)) : [];
  const main = join(hostDir, 'etc/sysctl.conf');
  if (existsSync(main)) out.push(main);
  return out;
}

async function runCase(name: string, idx: number, bin: string, tmp: string): Promise<CaseResult> {
  const dir = caseDir(name, tmp);
  const man = parseYaml(readFileSync(join(dir, 'hosts.yaml'), 'utf8')) as Manifest;
  const [epAddr, epPortS] = man.endpoint.split(':') as [string, string];
  const ep = `${epAddr}:${epPortS}`;
  for (const h of man.hosts) if (!h.address.startsWith(SUBNET)) throw new Error(`${name}: host ${h.name} is outside ${SUBNET}0/24`);
  const nsOf = (h: string): string => `${NS_PREFIX}${idx}-${h}`;
  const sw = nsOf('sw');
  sh('ip', ['netns', 'add', sw]);
  namespaces.push(sw);
  inNs(sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  inNs(sw, ['ip', 'link', 'set', 'br0', 'up']);
  man.hosts.forEach((h, i) => {
    const ns = nsOf(h.name);
    sh('ip', ['netns', 'add', ns]);
    namespaces.push(ns);
    inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    // The veth pair is created inside the switch namespace and one end moved: never in the root namespace.
    inNs(sw, ['ip', 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0']);
    inNs(sw, ['ip', 'link', 'set', 'eth0', 'netns', ns]);
    inNs(sw, ['ip', 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
    inNs(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    for (const f of sysctlFiles(join(dir, h.name))) inNs(ns, ['sysctl', '-q', '-e', '-p', f], true);
  });
  const apiservers = new Map<string, ChildProcess>();
  const lbs = man.hosts.filter((h) => existsSync(join(dir, h.name, 'etc/haproxy/haproxy.cfg')));
  for (const h of man.hosts) {
    if (!h.apiserver) continue;
    const port = typeof h.apiserver === 'number' ? h.apiserver : 6443;
    apiservers.set(`${h.address}:${port}`, start(nsOf(h.name), [bin, 'serve', `${h.address}:${port}`], join(tmp, `${name}-${h.name}-api.log`)));
  }
  await sleep(500);
  const res: CaseResult = { haproxyStarted: {}, servers: {}, scenarios: {} };
  const kas = man.hosts.filter((h) => existsSync(join(dir, h.name, 'etc/keepalived/keepalived.conf')));
  for (const h of kas) {
    // A copy of the host's folder; absolute paths of its files in keepalived.conf point into the copy, so
    // keepalived never reads or writes this machine's /etc.
    const root = join(tmp, `${name}-${h.name}-root`);
    cpSync(join(dir, h.name), root, { recursive: true });
    let conf = readFileSync(join(root, 'etc/keepalived/keepalived.conf'), 'utf8');
    for (const rel of filesUnder(root)) if (rel !== 'etc/keepalived/keepalived.conf') conf = conf.split(`/${rel}`).join(join(root, rel));
    const cfgFile = join(root, 'keepalived.conf');
    writeFileSync(cfgFile, conf);
    const pid = (k: string): string => join(tmp, `${name}-${h.name}-${k}.pid`);
    start(nsOf(h.name), ['keepalived', '-n', '-l', '-G', '-P', '-D', '-i', h.name, '-f', cfgFile, '-p', pid('ka'), '-r', pid('vrrp'), '-c', pid('chk')], join(tmp, `${name}-${h.name}-keepalived.log`));
  }
  if (kas.length > 0) {
    // A backup becomes master after its master-down interval, 3 × advert_int + skew: wait for the slowest (cases use ≤ 2 s).
    await sleep(12_000);
    res.vipHolders = man.hosts.filter((h) => inNs(nsOf(h.name), ['ip', '-o', 'addr', 'show'], true).includes(` ${epAddr}/`)).map((h) => h.name);
  }
  const socks = new Map<string, string>();
  for (const h of lbs) {
    const sock = join(tmp, `${name}-${h.name}.sock`);
    const extra = join(tmp, `${name}-${h.name}-stats.cfg`);
    writeFileSync(extra, `global\n  stats socket ${sock} level admin\n`);
    socks.set(h.name, sock);
    const p = start(nsOf(h.name), ['haproxy', '-db', '-f', join(dir, h.name, 'etc/haproxy/haproxy.cfg'), '-f', extra], join(tmp, `${name}-${h.name}-haproxy.log`));
    await sleep(1000);
    res.haproxyStarted[h.name] = p.exitCode === null && p.signalCode === null;
  }
  // Checks: several intervals (the cases use inter ≤ 500ms, rise ≤ 2).
  await sleep(3000);
  const stat = (): Record<string, Record<string, string>> => {
    const out: Record<string, Record<string, string>> = {};
    for (const h of lbs) {
      const sock = socks.get(h.name) as string;
      out[h.name] = {};
      if (!res.haproxyStarted[h.name]) continue;
      for (const line of inNs(nsOf(h.name), [bin, 'stat', sock], true).split('\n')) {
        const [px, sv, st] = line.split(' ');
        if (px && sv && st) (out[h.name] as Record<string, string>)[`${px}/${sv}`] = st;
      }
    }
    return out;
  };
  const client = lbs[0] ?? man.hosts[0];
  const probe = (): { apiReachable: boolean; probes: string[] } => {
    const probes: string[] = [];
    for (let i = 0; i < TRIES; i++) probes.push(inNs(nsOf((client as Host).name), [bin, 'probe', ep, '2000'], true).trim());
    return { apiReachable: probes.every((p) => p.startsWith('status 200')), probes };
  };
  res.servers = stat();
  res.scenarios['none'] = probe();
  const first = [...apiservers.keys()][0];
  if (first) {
    await stop(apiservers.get(first) as ChildProcess);
    await sleep(4000);
    res.scenarios[`apiserver-down:${first}`] = probe();
  }
  return res;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  const tmp = mkdtempSync('/tmp/kubeha-analysis-real-');
  const bin = join(tmp, 'apiserver-like');
  execFileSync(GO, ['build', '-o', bin, '.'], { cwd: join(FIX, 'apiserver-like'), stdio: 'inherit', env: { ...process.env, GOFLAGS: '-mod=mod', GOCACHE: process.env['GOCACHE'] ?? '/tmp/kubeha-analysis-gocache' } });
  const all = readdirSync(CASES).sort();
  const want = process.argv.slice(2);
  const names = want.length > 0 ? all.filter((c) => want.includes(c)) : all;
  const file = join(FIX, 'expected.json');
  const expected = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, CaseResult>) : {};
  let i = 0;
  try {
    for (const name of names) {
      try {
        expected[name] = mapBack(await runCase(name, i++, bin, tmp));
        process.stdout.write(`${name}: ${JSON.stringify(expected[name])}\n`);
      } finally {
        await teardown();
      }
    }
  } finally {
    await teardown();
  }
  const sorted = Object.fromEntries(Object.keys(expected).sort().map((k) => [k, expected[k]]));
  writeFileSync(file, JSON.stringify(sorted, null, 2) + '\n');
  rmSync(tmp, { recursive: true, force: true });
}

process.on('SIGINT', () => void teardown().then(() => process.exit(130)));
await main();
