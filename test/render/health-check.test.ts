import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderHaproxyCfg } from '../../src/render/haproxy.js';
import { LB_CA_CERT } from '../../src/render/k8s-paths.js';
import { dedicatedSpec } from './specs.js';

/**
 * The rendered health check against a TLS server that answers like kube-apiserver to an anonymous client
 * (GET /readyz → 200, anything else → 403; HTTP/1.1 without Host → 400, as Go's server does), with the real HAProxy,
 * in a throwaway network namespace. The server's certificate is signed by a test cluster CA for the name kubernetes.
 * - rendered with the cluster CA (verify required): UP with L7OK;
 * - rendered with the CA, but the backend presents a self-signed certificate (not this cluster's apiserver): DOWN;
 * - rendered without a CA (verify none): UP;
 * - without check-ssl (seeds' style + httpchk): the HTTP check hits a TLS port and the server goes DOWN;
 * - a bare `option httpchk` (OPTIONS /) with check-ssl: 403, DOWN;
 * - HTTP/1.1 without the Host header: 400, DOWN.
 * master2 and master3 have no server at all: DOWN in every variant (the check can fail).
 */

const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skip = !isRoot
  ? 'needs root (a network namespace)'
  : !['haproxy', 'ip', 'openssl', 'curl'].every(has)
    ? 'haproxy, ip, openssl or curl is missing (scripts/setup.sh installs them)'
    : false;

const FAKE_APISERVER = `
const https = require('node:https');
const fs = require('node:fs');
const [key, cert, host, port] = process.argv.slice(2);
https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), requireHostHeader: true }, (req, res) => {
  const ok = req.method === 'GET' && req.url === '/readyz';
  res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' });
  res.end(ok ? 'ok' : 'forbidden: User "system:anonymous" cannot ' + req.method + ' path "' + req.url + '"');
}).listen(Number(port), host);
`;

describe('the rendered health check, against a fake apiserver (real HAProxy, network namespace)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kubeha-hc-'));
  const ns = `kubeha-hc-${process.pid}`;
  const children: ChildProcess[] = [];
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  };

  /** Each variant: its own frontend port and stats port, the backend lines as rendered or mutated. */
  const spec = dedicatedSpec();
  // check: HAProxy's check_status. L7OK: HTTP check passed; L7RSP: no valid HTTP answer (clear text to a TLS port);
  // L7STS: bad status (403 for OPTIONS /); L4CON: nothing listening.
  const variants: { name: string; frontend: number; stats: number; ca: boolean; mutate: (cfg: string) => string; want: string; check: RegExp }[] = [
    { name: 'as rendered with the cluster CA', frontend: 6443, stats: 8404, ca: true, mutate: (c) => c, want: 'UP', check: /^L7OK$/ },
    // master1 pointed at the same address, port 6444: a TLS server whose certificate the cluster CA did not sign.
    { name: 'with the CA, a backend that is not the cluster\'s apiserver', frontend: 6445, stats: 8407, ca: true, mutate: (c) => c.replace('10.77.0.21:6443', '10.77.0.21:6444'), want: 'DOWN', check: /^L6/ },
    { name: 'as rendered without a CA (verify none)', frontend: 6446, stats: 8408, ca: false, mutate: (c) => c, want: 'UP', check: /^L7OK$/ },
    { name: 'without check-ssl', frontend: 7443, stats: 8405, ca: false, mutate: (c) => c.replaceAll(' check-ssl verify none', ''), want: 'DOWN', check: /^L7RSP$/ },
    { name: 'bare option httpchk', frontend: 9443, stats: 8406, ca: true, mutate: (c) => c.replace(/^\s*http-check send .*\n/m, ''), want: 'DOWN', check: /^L7STS$/ },
    { name: 'HTTP/1.1 without Host', frontend: 9444, stats: 8409, ca: true, mutate: (c) => c.replace(' hdr Host kubernetes', ''), want: 'DOWN', check: /^L7STS$/ },
  ];

  before(async () => {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
    run('openssl', ['req', '-x509', ...ec, '-subj', '/CN=kubernetes-ca', '-keyout', join(work, 'ca.key'), '-out', join(work, 'ca.crt')]);
    run('openssl', ['req', '-x509', ...ec, '-CA', join(work, 'ca.crt'), '-CAkey', join(work, 'ca.key'), '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=DNS:kubernetes,IP:10.77.0.21', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')]);
    run('openssl', ['req', '-x509', ...ec, '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=DNS:kubernetes,IP:10.77.0.21', '-keyout', join(work, 'other-key.pem'), '-out', join(work, 'other-cert.pem')]);
    writeFileSync(join(work, 'fake-apiserver.cjs'), FAKE_APISERVER);
    run('ip', ['netns', 'add', ns]);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // The VIP and master1 live on the namespace's loopback; master2/3 exist nowhere (their checks must fail).
    run('ip', ['-n', ns, 'addr', 'add', `${spec.loadBalancer.vip}/32`, 'dev', 'lo']);
    run('ip', ['-n', ns, 'addr', 'add', '10.77.0.21/32', 'dev', 'lo']);
    const api = spawn('ip', ['netns', 'exec', ns, process.execPath, join(work, 'fake-apiserver.cjs'), join(work, 'key.pem'), join(work, 'cert.pem'), '10.77.0.21', '6443'], {
      stdio: 'ignore',
    });
    children.push(api);
    const other = spawn('ip', ['netns', 'exec', ns, process.execPath, join(work, 'fake-apiserver.cjs'), join(work, 'other-key.pem'), join(work, 'other-cert.pem'), '10.77.0.21', '6444'], {
      stdio: 'ignore',
    });
    children.push(other);
    for (const v of variants) {
      const s = dedicatedSpec();
      s.loadBalancer = { ...s.loadBalancer, port: v.frontend, stats: 'localhost' };
      const lb0 = s.hosts[0];
      assert.ok(lb0);
      const rendered = renderHaproxyCfg(s, lb0, { clusterCa: v.ca }).replaceAll(LB_CA_CERT, join(work, 'ca.crt'));
      const cfg = v.mutate(rendered).replace('bind 127.0.0.1:8404', `bind 127.0.0.1:${v.stats}`);
      const path = join(work, `${v.frontend}.cfg`);
      writeFileSync(path, cfg);
      children.push(spawn('ip', ['netns', 'exec', ns, 'haproxy', '-db', '-f', path], { stdio: 'ignore' }));
    }
    await sleep(200);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (let i = 0; i < 50 && children.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(50);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(work, { recursive: true, force: true });
  });

  /** Server rows of the stats CSV: svname → {status, check_status}. */
  const stats = (port: number): Map<string, { status: string; check: string }> => {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '2', `http://127.0.0.1:${port}/stats;csv`], { encoding: 'utf8' });
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const head = (lines[0] ?? '').replace(/^# /, '').split(',');
    const col = (name: string): number => head.indexOf(name);
    const out = new Map<string, { status: string; check: string }>();
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      if (f[col('pxname')] === 'kube-apiserver' && /^master/.test(f[col('svname')] ?? ''))
        out.set(f[col('svname')] ?? '', { status: f[col('status')] ?? '', check: f[col('check_status')] ?? '' });
    }
    return out;
  };

  for (const v of variants)
    test(`${v.name}: master1 (answers like kube-apiserver) is ${v.want}, master2 (nothing there) is DOWN`, async () => {
      let last = new Map<string, { status: string; check: string }>();
      for (let i = 0; i < 75; i++) {
        last = stats(v.stats);
        const m1 = last.get('master1');
        const m2 = last.get('master2');
        if (m1?.status === v.want && v.check.test(m1.check) && m2?.status === 'DOWN') break;
        await sleep(200);
      }
      assert.equal(last.get('master1')?.status, v.want, JSON.stringify([...last]));
      assert.match(last.get('master1')?.check ?? '', v.check, JSON.stringify([...last]));
      assert.equal(last.get('master2')?.status, 'DOWN');
      assert.equal(last.get('master2')?.check, 'L4CON');
    });
});
