import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ed25519KeyPair, startSshServer } from '../helpers/ssh-server.js';
import type { TestSshServer } from '../helpers/ssh-server.js';

/**
 * `kubeha plan` / `kubeha apply` as a user runs them, against in-process SSH servers on loopback, reached through an
 * in-process jump host (the spec's ssh.jumpHost). Only read-only paths run here (plan, refusals before any change):
 * this machine is not a lab host.
 */

const ROOT = resolve(import.meta.dirname, '../..');
// Ordinary addresses in the spec; a jump host in the test process routes each to its loopback server (nothing leaves loopback).
const HOSTS = [
  { name: 'lb0', address: '10.88.0.2', roles: 'loadbalancer' },
  { name: 'lb1', address: '10.88.0.3', roles: 'loadbalancer' },
  { name: 'm0', address: '10.88.0.4', roles: 'control-plane, etcd' },
];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('kubeha plan/apply CLI over SSH (in-process servers behind an in-process jump host)', () => {
  const servers: TestSshServer[] = [];
  let jump: TestSshServer;
  let dir: string;
  let spec: string;
  let knownHosts: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeha-cli-apply-'));
    const client = ed25519KeyPair();
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, client.private, { mode: 0o600 });
    for (let i = 0; i < HOSTS.length; i++) servers.push(await startSshServer({ clientKeyFile: keyFile, clientPublic: client.public }));
    const routes = new Map(HOSTS.map((h, i) => [`${h.address}:22`, servers[i]!.port]));
    jump = await startSshServer({ clientKeyFile: keyFile, clientPublic: client.public, route: (ip, port) => routes.get(`${ip}:${port}`) });
    knownHosts = join(dir, 'known_hosts');
    // Hosts are known under their spec address (port 22), as OpenSSH records them.
    writeFileSync(knownHosts, [jump.knownHostsLine, ...servers.map((s, i) => s.knownHostsLine.replace(/^\[127\.0\.0\.1\]:\d+/, HOSTS[i]!.address))].join('\n') + '\n');
    spec = join(dir, 'cluster.yaml');
    writeFileSync(
      spec,
      [
        'apiVersion: kubeha.io/v1alpha1',
        'kind: Cluster',
        'metadata: { name: cli-apply }',
        `ssh: { user: root, keyFile: ${keyFile}, jumpHost: 'root@127.0.0.1:${jump.port}' }`,
        'hosts:',
        ...HOSTS.map((h) => `  - { name: ${h.name}, address: ${h.address}, roles: [${h.roles}] }`),
        'loadBalancer: { mode: keepalived-haproxy, vip: 10.88.0.10, interface: eth0 }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const s of servers) await s.close();
    await jump.close();
  });

  it('plan --output json: every host observed in one command, steps with reasons, no file contents', async () => {
    const before = servers.map((s) => s.commands.length);
    const r = await run(['plan', spec, '--known-hosts', knownHosts, '--state-dir', join(dir, 'state'), '--output', 'json']);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const plan = JSON.parse(r.stdout) as { hosts: { host: string; steps: { id: string; reason: string; content?: string }[] }[] };
    assert.deepEqual(plan.hosts.map((h) => h.host), ['lb0', 'lb1', 'm0']);
    for (const h of plan.hosts) {
      assert.equal(h.steps.at(-1)?.id, 'verify');
      assert.ok(h.steps.every((s) => typeof s.reason === 'string' && s.reason.length > 0));
      assert.ok(h.steps.every((s) => s.content === undefined), 'plan JSON never carries file contents');
    }
    assert.deepEqual(servers.map((s, i) => s.commands.length - before[i]!), [1, 1, 1], 'one observation command per host, nothing else');
  });

  it('refuses a host whose key is not in known_hosts (exit 3), naming host and fingerprint', async () => {
    const empty = join(dir, 'partial_known_hosts');
    writeFileSync(empty, [jump.knownHostsLine, servers[0]!.knownHostsLine.replace(/^\[127\.0\.0\.1\]:\d+/, HOSTS[0]!.address)].join('\n') + '\n');
    const r = await run(['plan', spec, '--known-hosts', empty, '--state-dir', join(dir, 'state'), '--only', 'lb0,lb1']);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stdout, /lb1 \(10\.88\.0\.3\): BLOCKED by a preflight check\n {2}preflight\n.*the host key of 10\.88\.0\.3 is not in .*SHA256:/);
    assert.match(r.stdout, /--accept-new-host-keys/);
  });

  it('--only with an unknown host is bad input (exit 2) with a did-you-mean', async () => {
    const r = await run(['plan', spec, '--known-hosts', knownHosts, '--state-dir', join(dir, 'state'), '--only', 'lb9']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[E_ONLY_HOST\].*lb9/);
    assert.match(r.stderr, /did you mean "lb0"\?|hosts: lb0, lb1, m0/);
  });

  it('--phase with an unknown phase is bad input', async () => {
    const r = await run(['plan', spec, '--known-hosts', knownHosts, '--state-dir', join(dir, 'state'), '--phase', 'file']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown phase "file"[\s\S]*did you mean "files"/);
  });

  it('apply with changes but without --yes on a non-terminal refuses and changes nothing (exit 2)', async () => {
    const before = servers.map((s) => s.commands.length);
    const r = await run(['apply', spec, '--known-hosts', knownHosts, '--state-dir', join(dir, 'state')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not confirmed[\s\S]*--yes/);
    assert.deepEqual(servers.map((s, i) => s.commands.length - before[i]!), [1, 1, 1], 'only the read-only observation ran');
  });
});
