import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAnalyze } from '../../src/cli/analyze.js';
import { explainText, ruleCatalog } from '../../src/cli/explain.js';
import { InputError } from '../../src/diag/errors.js';
import { allRules } from '../../src/analyze/rules/index.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

function run(dir: string, format: 'text' | 'json' | 'md' = 'text'): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runAnalyze(dir, format, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('kubeha analyze', () => {
  it('seed 000: exit 1, findings with file:line, then the scenario table', () => {
    const r = run(FIX + 'seeds/seed-000');
    assert.equal(r.code, 1);
    assert.match(r.out, /seed-000\/lb-0\/etc\/keepalived\/keepalived\.conf:\d+(:\d+)?: error\[vrrp-positive-weight-below-gap\]/);
    assert.match(r.out, /^FAILURE\s+VIP HOLDERS\s+API\s+OUTAGE\s+NOTE/m);
    assert.match(r.out, /^haproxy-down:lb-0\s+lb-0\s+DOWN\s+until repaired/m);
  });
  it('--output json follows the JSON contract (findings: severity, rule, message, host, file, line; scenarios: failure, vipHolders, apiReachable, note)', () => {
    const r = run(FIX + 'seeds/seed-004', 'json');
    const j = JSON.parse(r.out) as { findings: { severity: string; rule: string; message: string }[]; scenarios: { failure: string; vipHolders: string[]; apiReachable: boolean; note: string }[] };
    assert.ok(j.findings.every((f) => ['error', 'warning', 'info'].includes(f.severity) && f.rule && f.message));
    const s = j.scenarios.find((x) => x.failure === 'haproxy-down:lb2');
    assert.deepEqual(s && [s.vipHolders, s.apiReachable], [['lb2'], false]);
    // sorted: errors first
    const sev = j.findings.map((f) => f.severity);
    assert.deepEqual(sev, [...sev].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
  });
  it('--output md prints markdown tables', () => {
    const r = run(FIX + 'seeds/seed-003', 'md');
    assert.match(r.out, /^## Failure scenarios/m);
    assert.match(r.out, /\| `apiserver-down:192\.168\.2\.207:6443` \| server7-master \| \*\*DOWN\*\* \|/);
  });
  it('a rendered mirror analyses without error: exit 0', () => {
    assert.equal(run(FIX + 'golden/dedicated-lb').code, 0);
  });
  it('brownfield mirrors: exit 0 for the kubeadm guide on the masters, 1 for the three traps', () => {
    assert.equal(run(FIX + 'brownfield/kubeadm-masters-8443').code, 0);
    for (const d of ['kubeadm-old-check-flaps', 'three-lb-bind-vip', 'three-lb-nopreempt-v3']) {
      const r = run(FIX + `brownfield/${d}`, 'json');
      assert.equal(r.code, 1, d);
      const j = JSON.parse(r.out) as { scenarios: { apiReachable: boolean }[] };
      assert.ok(j.scenarios.some((x) => !x.apiReachable), d);
    }
  });
  it('a missing directory is bad input (InputError, exit 2)', () => {
    assert.throws(() => run(FIX + 'does-not-exist'), (e: unknown) => e instanceof InputError && e.diagnostics[0]?.code === 'E_MIRROR_DIR');
  });
  it('a config that exists but cannot be read (binary) is bad input, not a host without HAProxy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-analyze-'));
    try {
      cpSync(FIX + 'seeds/seed-000', dir, { recursive: true });
      writeFileSync(join(dir, 'lb-0/etc/haproxy/haproxy.cfg'), Buffer.from([0x67, 0x6c, 0, 0x6f]));
      assert.throws(
        () => run(dir),
        (e: unknown) => e instanceof InputError && e.diagnostics.some((d) => d.code === 'MIRROR_UNREADABLE' && /binary/.test(d.message) && d.file?.endsWith('lb-0/etc/haproxy/haproxy.cfg') === true),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a directory without hosts.yaml is bad input', () => {
    assert.throws(() => run(FIX + 'seeds'), (e: unknown) => e instanceof InputError);
  });
});

describe('kubeha explain', () => {
  it('prints the title, why, source and fix of a rule', () => {
    const t = explainText('vrrp-positive-weight-below-gap', false, false);
    assert.match(t, /^vrrp-positive-weight-below-gap \(error\): /);
    assert.match(t, /Source: keepalived/);
    assert.match(t, /Fix: /);
  });
  it('--list lists every rule and the scenario rules', () => {
    const t = explainText(undefined, true, false);
    for (const r of allRules) assert.match(t, new RegExp(`^${r.id}\\s`, 'm'));
    assert.match(t, /^scenario-api-unreachable\s/m);
    assert.equal(ruleCatalog().length, allRules.length + 2);
  });
  it('an unknown rule is bad input with a did-you-mean', () => {
    assert.throws(
      () => explainText('vrrp-positive-weight-below-gpa', false, false),
      (e: unknown) => e instanceof InputError && /did you mean 'vrrp-positive-weight-below-gap'/.test(e.diagnostics[0]?.hint ?? ''),
    );
  });
});
