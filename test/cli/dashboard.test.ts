import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `kubeha dashboard`'s bad input, on loopback only, with specs that reach no host: a port in use (exit 2, the process
 * named), a spec that fails check (the dashboard starts and shows the errors), bad arguments.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = mkdtempSync(join(tmpdir(), 'kubeha-dashboard-cli-'));
const BAD = join(DIR, 'bad.yaml');
// Two hosts with one name and one address: check fails, so no host is looked at.
writeFileSync(
  BAD,
  `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: broken
hosts:
  - { name: lb0, address: 10.251.78.11, roles: [loadbalancer] }
  - { name: lb0, address: 10.251.78.11, roles: [control-plane, etcd] }
loadBalancer:
  mode: keepalived-haproxy
  vip: 10.251.78.10
`,
);
const ARGS = ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'dashboard'];

/** Starts the dashboard on a free loopback port; the URL it prints, and a stop function. */
async function start(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...ARGS, ...args, '--port', '0'], { cwd: ROOT, env });
  const guard = setTimeout(() => child.kill('SIGTERM'), 60_000);
  const closed = new Promise((r) => child.on('close', r));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await closed;
    clearTimeout(guard);
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) res(m[1]!);
      });
      child.on('close', () => rej(new Error(`exited before printing its URL: ${out}`)));
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

describe('kubeha dashboard: bad input', () => {
  it('a port in use: exit 2, naming the process that holds it', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((res) => {
        const child = spawn(process.execPath, [...ARGS, BAD, '--port', String(port)], { cwd: ROOT });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const guard = setTimeout(() => child.kill('SIGTERM'), 60_000);
        child.on('close', (code) => {
          clearTimeout(guard);
          res({ code, stderr });
        });
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`error\\[KUBEHA_PORT_IN_USE\\]: port ${port} on 127\\.0\\.0\\.1 is in use by process ${process.pid} \\(`));
    } finally {
      server.close();
    }
  });

  it('bad arguments: exit 2 with a hint', () => {
    for (const [args, re] of [
      [['--port', '70000'], /--port must be an integer from 0 to 65535/],
      [['--bind', 'my-laptop'], /--bind must be an IP address/],
      [['--drills', BAD], /KUBEHA_DRILLS_FILE/],
    ] as const) {
      const r = spawnSync(process.execPath, [...ARGS, BAD, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, re);
    }
  });

  it('a spec that fails check: the dashboard starts, prints its URL and shows the errors', async () => {
    const d = await start([BAD]);
    try {
      const page = await (await fetch(d.url)).text();
      assert.match(page, /The spec fails check/);
      assert.match(page, /error\[SPEC_DUPLICATE_HOST_NAME\]/);
      const analysis = (await (await fetch(`${d.url}api/analysis`)).json()) as { findings: { rule: string }[]; scenarios: unknown[] };
      assert.ok(analysis.findings.some((f) => f.rule === 'SPEC_DUPLICATE_HOST_NAME'));
      assert.deepEqual(analysis.scenarios, []);
      assert.equal((await fetch(`${d.url}api/status`)).status, 503);
    } finally {
      await d.stop();
    }
  });

  it('a lab that holds the hosts but is not up: the page says so and how to start it; nothing is reached', async () => {
    const spec = join(DIR, 'lab.yaml');
    writeFileSync(spec, readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', '10.251.79.'));
    const labs = join(DIR, 'labs');
    const hosts = ['lb0', 'lb1', 'm0', 'm1', 'm2'].map((name, i) => ({ name, address: `10.251.79.${[11, 12, 21, 22, 23][i]}` }));
    mkdirSync(join(labs, 'ghost'), { recursive: true });
    // Its state says up, but no container runs (the PID is no process of now): after a reboot.
    writeFileSync(join(labs, 'ghost', 'state.json'), JSON.stringify({ version: 1, phase: 'up', plan: { lab: 'ghost', hosts, taskbox: { netns: 'kubeha-ghost.taskbox' } }, processes: { lb0: { pid: 2 ** 22 + 7, start: '1' } } }));
    const d = await start([spec, '--state-dir', join(DIR, 'state')], { ...process.env, KUBEHA_LAB_ROOT: labs });
    try {
      const page = await (await fetch(d.url)).text();
      assert.match(page, /Lab ghost is not up/);
      assert.match(page, /sudo kubeha lab up /);
      assert.equal((await fetch(`${d.url}api/status`)).status, 503, 'the hosts are not looked at');
      assert.match(await (await fetch(`${d.url}drills`)).text(), /in a lab only/);
    } finally {
      await d.stop();
    }
  });
});
