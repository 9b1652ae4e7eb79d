import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAnalyze } from '../../src/cli/analyze.js';
import { ProblemCollector } from '../../src/diag/collector.js';
import { renderDiagnostic } from '../../src/diag/render.js';
import { SecretScrubber, maskExcerpt, maskSecretsInLine } from '../../src/diag/secrets.js';

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

describe('every form a secret is written in is masked and reported', () => {
  const cases: [line: string, secret: string][] = [
    ['sshpass -p SshPw-1 ssh root@10.0.0.1 true', 'SshPw-1'],
    ['sshpass -pSshPw-2 ssh host', 'SshPw-2'],
    ['docker login -u admin -p DockPw-3 reg.local', 'DockPw-3'],
    ['podman login reg.local --username u --password PodPw-4', 'PodPw-4'],
    ['kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification', 'abcdef.0123456789abcdef'],
    ['--oidc-client-secret "Oidc Secret 5" --v=2', 'Oidc Secret 5'],
    ['repo: https://user:UrlPw-6@git.example.com/x.git', 'UrlPw-6'],
    ['curl -fsS --user admin:CurlPw-7 https://x', 'CurlPw-7'],
    ['    setenv DB_PASSWORD SetenvPw-8', 'SetenvPw-8'],
    ['Authorization: Bearer BearerTok-9', 'BearerTok-9'],
    ['    http-check send meth GET uri /readyz hdr X-Auth-Token HdrTok-10', 'HdrTok-10'],
    ['    http-request set-header X-API-Key ApiKey-11 if { src 10.0.0.0/8 }', 'ApiKey-11'],
    ['    http-request add-header Cookie "session=Cookie-12"', 'Cookie-12'],
    ['$ANSIBLE_VAULT;1.1;AES256 6231336539666234306139346433616338376437', '6231336539666234306139346433616338376437'],
    ['      MHcCAQEEIEcKeyMaterialEcKeyMaterialEcKeyMaterialABCDEFGH', 'MHcCAQEEIEcKeyMaterialEcKeyMaterial'],
  ];
  for (const [line, secret] of cases)
    it(JSON.stringify(line.trim()), () => {
      const found: string[] = [];
      const masked = maskExcerpt(line, found);
      assert.ok(!masked.includes(secret), masked);
      assert.ok(found.some((f) => f.includes(secret) || secret.includes(f)), `reported: ${JSON.stringify(found)}`);
      assert.equal(maskExcerpt(masked), masked, 'masking twice changes nothing');
    });
  it('a PEM private key in one value (a YAML block scalar) is masked whole', () => {
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nKeyMaterial123\n-----END OPENSSH PRIVATE KEY-----\n';
    const found: string[] = [];
    const masked = maskSecretsInLine(pem, found);
    assert.doesNotMatch(masked, /KeyMaterial|b3BlbnNz/);
    assert.match(masked, /BEGIN OPENSSH PRIVATE KEY-----\*+-----END OPENSSH PRIVATE KEY/);
    assert.equal(found.length, 1);
    // A key cut off before its END line is masked to the end of the value.
    assert.doesNotMatch(maskSecretsInLine('-----BEGIN RSA PRIVATE KEY-----\nMIIEcutoff'), /MIIEcutoff/);
  });
  it('leaves what is not a secret: flags with settings, paths, ports, other flags', () => {
    for (const line of [
      '--authentication-token-webhook=true --token-ttl=0',
      '--token-ttl 24h0m0s',
      'ssh -p 22 root@host',
      'docker login --password-stdin reg.local',
      'privateKeyPath: ~/.ssh/id_ed25519',
      '--password-file /etc/pw',
      'url: https://git.example.com/x.git',
      '--no-password --v=2',
    ])
      assert.equal(maskExcerpt(line), line);
  });
  it('is linear: a long line of flags and URLs is masked quickly', () => {
    const line = '--token x '.repeat(20_000) + 'a://b:c@'.repeat(10_000) + ' login -p x;'.repeat(10_000);
    const masked = maskExcerpt(line);
    assert.ok(!/--token x\b/.test(masked));
  });
});

describe('messages never carry a secret of the files read', () => {
  it('the collector scrubs a message quoting a token that is a secret of the file', () => {
    const c = new ProblemCollector();
    c.addFile('h.cfg', 'global\n    stats auth admin:Hunter2Pw\n');
    const p = c.add('error', 'HAP_UNKNOWN_KEYWORD', 'unknown keyword "Hunter2Pw" (did you mean …)', 'h.cfg', { line: 2, col: 5 }, 'remove Hunter2Pw');
    assert.ok(!JSON.stringify(p).includes('Hunter2Pw'), JSON.stringify(p));
  });
  it('the scrubber also removes the 8 characters keepalived uses, and JSON-escaped forms', () => {
    const s = new SecretScrubber();
    s.addText('vrrp_instance x {\n  authentication {\n    auth_pass ab\\cdefghij\n  }\n}\n');
    s.addText('auth_pass LongPassword99\n');
    const out = s.scrub(`first 8: LongPass; whole: LongPassword99; json: ${JSON.stringify('ab\\cdefghij')}`);
    assert.doesNotMatch(out, /LongPass|cdefghij/);
  });
});
