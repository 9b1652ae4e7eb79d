import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ed25519KeyPair, startSshServer } from '../helpers/ssh-server.js';
import type { TestSshServer } from '../helpers/ssh-server.js';

/**
 * `kubeha kubeconfig` and `kubeha certs check|renew` as a user runs them. The SSH hosts are in-process servers on
 * loopback behind an in-process jump host; this machine is not a lab host, so only read-only paths run over SSH.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const HOSTS = [
  { name: 'lb0', address: '10.89.0.2', roles: 'loadbalancer' },
  { name: 'm0', address: '10.89.0.4', roles: 'control-plane' },
  { name: 'm1', address: '10.89.0.5', roles: 'control-plane' },
  { name: 'm2', address: '10.89.0.6', roles: 'control-plane' },
];

function run(args: string[], stdoutFd?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'], env: { ...process.env, KUBEHA_NETNS: '' } });
    let stdout = '';
    let stderr = '';
    c.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('kubeha kubeconfig / certs (CLI)', () => {
  const servers: TestSshServer[] = [];
  let jump: TestSshServer;
  let dir: string;
  let spec: string;
  let state: string;
  let knownHosts: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeha-cli-certs-'));
    const client = ed25519KeyPair();
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, client.private, { mode: 0o600 });
    for (let i = 0; i < HOSTS.length; i++) servers.push(await startSshServer({ clientKeyFile: keyFile, clientPublic: client.public }));
    const routes = new Map(HOSTS.map((h, i) => [`${h.address}:22`, servers[i]!.port]));
    jump = await startSshServer({ clientKeyFile: keyFile, clientPublic: client.public, route: (ip, port) => routes.get(`${ip}:${port}`) });
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, [jump.knownHostsLine, ...servers.map((s, i) => s.knownHostsLine.replace(/^\[127\.0\.0\.1\]:\d+/, HOSTS[i]!.address))].join('\n') + '\n');
    spec = join(dir, 'cluster.yaml');
    state = join(dir, 'state');
    writeFileSync(
      spec,
      [
        'apiVersion: kubeha.io/v1alpha1',
        'kind: Cluster',
        'metadata: { name: cli-certs }',
        `ssh: { user: root, keyFile: ${keyFile}, jumpHost: 'root@127.0.0.1:${jump.port}' }`,
        'hosts:',
        ...HOSTS.map((h) => `  - { name: ${h.name}, address: ${h.address}, roles: [${h.roles}] }`),
        'loadBalancer: { mode: keepalived-haproxy, vip: 10.89.0.10, interface: eth0 }',
        'controlPlane: { installer: binary, endpoint: { domain: api.cli-certs.test } }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const s of servers) await s.close();
    await jump.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubeconfig -o FILE: written 0600, server = the endpoint domain, the state directory\'s keys 0600; no key on stderr', async () => {
    const out = join(dir, 'admin.conf');
    const r = await run(['kubeconfig', spec, '--state-dir', state, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!r.stderr.includes('PRIVATE KEY'));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const kc = parse(readFileSync(out, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { name: string }[] };
    assert.equal(kc.clusters[0]!.cluster.server, 'https://api.cli-certs.test:6443');
    assert.equal(kc.users[0]!.name, 'kubernetes-admin');
    const keys = files(join(state, 'pki')).filter((f) => f.endsWith('.key'));
    assert.ok(keys.length > 10);
    for (const k of keys) assert.equal(statSync(k).mode & 0o777, 0o600, k);
    const again = await run(['kubeconfig', spec, '--state-dir', state, '-o', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /KUBEHA_FILE_EXISTS/);
  });

  it('kubeconfig to a terminal is refused (exit 2, CERT_KEY_TO_TERMINAL), nothing printed but the error', { skip: existsSync('/usr/bin/script') ? false : 'util-linux script(1) is absent: no pseudo-terminal to test with' }, async () => {
    const cmd = `${process.execPath} --import tsx ${join(ROOT, 'src/cli/entry.ts')} kubeconfig ${spec} --state-dir ${state}; echo EXIT=$?`;
    const r = await new Promise<string>((res) => execFile('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, KUBEHA_NETNS: '' } }, (_e, out) => res(out)));
    assert.match(r, /error\[CERT_KEY_TO_TERMINAL\]/);
    assert.match(r, /EXIT=2/);
    assert.ok(!r.includes('PRIVATE KEY') && !r.includes('client-key-data'));
  });

  it('kubeconfig > FILE: the redirected file is narrowed to 0600; the same CA as before (no re-issue)', async () => {
    const out = join(dir, 'redirected.conf');
    const fd = openSync(out, 'w', 0o644);
    const r = await run(['kubeconfig', spec, '--state-dir', state, '--user', 'super-admin'], fd);
    closeSync(fd);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /issued/, 'nothing was issued: the PKI of the first test was reused');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const kc = parse(readFileSync(out, 'utf8')) as { clusters: { cluster: { 'certificate-authority-data': string } }[]; users: { name: string }[] };
    assert.equal(kc.users[0]!.name, 'kubernetes-super-admin');
    assert.equal(Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(), readFileSync(join(state, 'pki/ca.crt'), 'utf8'));
  });

  it('certs check --output json: the state\'s certificates listed, each host\'s missing files reported, exit 1, nothing secret printed', async () => {
    const before = servers.map((s) => s.commands.length);
    const stateFiles = files(join(state, 'pki')).map((f) => [f, statSync(f).mtimeMs] as const);
    const r = await run(['certs', 'check', spec, '--known-hosts', knownHosts, '--state-dir', state, '--output', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { certificates: { where: string; path: string }[]; problems: { code: string; host?: string }[] };
    assert.ok(report.certificates.some((c) => c.where === 'state' && c.path === 'pki/hosts/m1/apiserver.crt'));
    assert.ok(!report.problems.some((p) => p.host === undefined), JSON.stringify(report.problems.filter((p) => p.host === undefined)));
    for (const h of ['lb0', 'm0', 'm1', 'm2']) assert.ok(report.problems.some((p) => p.host === h), h);
    assert.deepEqual(servers.map((s, i) => s.commands.length - before[i]!), [1, 1, 1, 1], 'one read-only command per host');
    const printed = r.stdout + r.stderr;
    assert.ok(!printed.includes('PRIVATE KEY'));
    for (const k of files(join(state, 'pki')).filter((f) => f.endsWith('.key'))) {
      const body = readFileSync(k, 'utf8').split('\n')[1]!;
      assert.ok(!printed.includes(body.slice(0, 32)), `${k} leaked`);
    }
    assert.deepEqual(stateFiles.map(([f]) => statSync(f).mtimeMs), stateFiles.map(([, m]) => m), 'check wrote nothing into the state directory');
    const text = await run(['certs', 'check', spec, '--known-hosts', knownHosts, '--state-dir', state]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /m0:\/etc\/kubernetes\/pki\/apiserver\.crt: error\[CERT_MISSING\]/);
    assert.match(text.stdout, /fix: /);
  });

  it('certs renew without --yes on a non-terminal: the hosts are only observed (exit 2)', async () => {
    const before = servers.map((s) => s.commands.length);
    const r = await run(['certs', 'renew', spec, '--known-hosts', knownHosts, '--state-dir', state]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /nothing was due/);
    assert.match(r.stderr, /E_CONFIRM/);
    assert.deepEqual(servers.map((s, i) => s.commands.length - before[i]!), [1, 1, 1, 1]);
  });

  it('a spec without control-plane hosts is bad input (exit 2) and no PKI is made', async () => {
    const lbOnly = join(dir, 'lb-only.yaml');
    writeFileSync(lbOnly, readFileSync(spec, 'utf8').replace(/ {2}- \{ name: m[012].*\n/g, ''));
    const r = await run(['kubeconfig', lbOnly, '--state-dir', join(dir, 'state2'), '-o', join(dir, 'x.conf')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /SPEC_NO_CONTROL_PLANE/);
    assert.throws(() => statSync(join(dir, 'state2')), /ENOENT/);
  });

  it('certs renew in kubeadm mode is refused before anything is issued (kubeadm renews what it issued): exit 2, the command to run instead', async () => {
    const kubeadm = join(dir, 'kubeadm.yaml');
    writeFileSync(kubeadm, readFileSync(spec, 'utf8').replace('installer: binary', 'installer: kubeadm'));
    const r = await run(['certs', 'renew', kubeadm, '--all', '--yes', '--state-dir', join(dir, 'state3')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /controlPlane\.mode is kubeadm.*nothing was changed/);
    assert.match(r.stderr, /kubeadm certs renew all/);
    assert.throws(() => statSync(join(dir, 'state3')), /ENOENT/);
  });
});
