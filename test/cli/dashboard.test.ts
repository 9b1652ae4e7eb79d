import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    const child = spawn(process.execPath, [...ARGS, BAD, '--port', '0'], { cwd: ROOT });
    const guard = setTimeout(() => child.kill('SIGTERM'), 60_000);
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
      const page = await (await fetch(url)).text();
      assert.match(page, /The spec fails check/);
      assert.match(page, /error\[SPEC_DUPLICATE_HOST_NAME\]/);
      const analysis = (await (await fetch(`${url}api/analysis`)).json()) as { findings: { rule: string }[]; scenarios: unknown[] };
      assert.ok(analysis.findings.some((f) => f.rule === 'SPEC_DUPLICATE_HOST_NAME'));
      assert.deepEqual(analysis.scenarios, []);
      assert.equal((await fetch(`${url}api/status`)).status, 503);
    } finally {
      const closed = new Promise((r) => child.on('close', r));
      child.kill('SIGTERM');
      await closed;
      clearTimeout(guard);
    }
  });
});
