import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAnalyze } from '../../src/cli/analyze.js';
import { ProblemCollector } from '../../src/diag/collector.js';
import { renderDiagnostic } from '../../src/diag/render.js';
import { maskExcerpt } from '../../src/diag/secrets.js';

const SEED_002 = fileURLToPath(new URL('../fixtures/seeds/seed-002/', import.meta.url));

describe('maskExcerpt', () => {
  const cases: [line: string, secret: string][] = [
    ['        auth_pass s3cretpw99', 's3cretpw99'], // keepalived.conf
    ['  auth_pass "quoted pass"', 'quoted pass'],
    ['    stats auth           admin:hunter2', 'hunter2'], // haproxy.cfg
    ['    user admin insecure-password hunter2', 'hunter2'], // haproxy.cfg userlist
    ['    user admin password $5$salt$hash', '$5$salt$hash'],
    ['    http-check send meth GET uri /readyz hdr Authorization "Bearer abc.def"', 'abc.def'],
    ['    script "curl -sfk -u admin:pa55word https://localhost:6443/readyz"', 'pa55word'], // keepalived check script
    ['    password: "P@ssw0rd"', 'P@ssw0rd'], // KubeKey host
    ['node1 ansible_host=10.0.0.1 ansible_ssh_pass=Qwe12345', 'Qwe12345'], // inventory
    ['  authSecret: s3cretpw', 's3cretpw'], // kubeha spec
  ];
  for (const [line, secret] of cases)
    it(`masks ${JSON.stringify(line.trim())}`, () => {
      const masked = maskExcerpt(line);
      assert.ok(!masked.includes(secret), masked);
      assert.match(masked, /\*{3,8}/);
      assert.equal(maskExcerpt(masked), masked, 'masking twice changes nothing');
    });
  it('leaves lines without secrets alone', () => {
    for (const line of ['        auth_type PASS', '    stats uri /stats', 'authentication {', '  vip: 10.77.0.10', 'auth_pass', '# the password is generated']) assert.equal(maskExcerpt(line), line);
  });
});

describe('excerpts are attached in one place, masked', () => {
  it('the collector masks the source line it attaches, and the renderer shows it masked', () => {
    const c = new ProblemCollector();
    c.addFile('k.conf', 'vrrp_instance VI_1 {\n  authentication {\n    auth_pass s3cretpw99\n  }\n}\n');
    const p = c.add('warning', 'KA_AUTH_PASS_TRUNCATED', 'auth_pass is 10 characters: keepalived uses only the first 8', 'k.conf', { line: 3, col: 15, length: 10 });
    assert.equal(p.excerpt, '    auth_pass ********');
    const text = renderDiagnostic(p);
    assert.ok(!text.includes('s3cretpw'), text);
  });
  it('the renderer masks an excerpt made elsewhere', () => {
    const text = renderDiagnostic({ code: 'HAP_UNKNOWN_KEYWORD', severity: 'error', message: 'x', file: 'h.cfg', line: 3, col: 5, excerpt: '    stats auth admin:hunter2' });
    assert.ok(!text.includes('hunter2'), text);
  });
});

describe('kubeha analyze never prints a password', () => {
  for (const format of ['text', 'json', 'md'] as const)
    it(`keepalived auth_pass and haproxy stats auth, ${format}: not in excerpts, messages or hints`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'kubeha-secrets-'));
      try {
        cpSync(SEED_002, dir, { recursive: true });
        for (const host of ['lb-0', 'lb-1']) {
          const ka = join(dir, host, 'etc/keepalived/keepalived.conf');
          writeFileSync(ka, readFileSync(ka, 'utf8').replace(/auth_pass \S+/, 'auth_pass s3cretpw99'));
          const cfg = join(dir, host, 'etc/haproxy/haproxy.cfg');
          writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/stats auth(\s+)admin:\S+/, 'stats auth$1admin:hunter2'));
        }
        let out = '';
        let err = '';
        runAnalyze(dir, format, (s) => (out += s), (s) => (err += s));
        const all = out + err;
        // The password, the 8 characters keepalived uses, and the haproxy stats password.
        for (const secret of ['s3cretpw99', 's3cretpw', 'hunter2']) assert.ok(!all.includes(secret), `${format} output shows ${secret}`);
        // The findings about them are still there.
        assert.match(all, /vrrp-auth-pass-truncated/);
        assert.match(all, /haproxy-stats-exposed/);
        if (format === 'text') assert.match(err, /auth_pass \*{8}/, 'the parser warning still shows its (masked) excerpt');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
