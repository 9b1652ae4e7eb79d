import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderFinding } from '../../src/cli/check.js';
import { checkReport } from '../../src/ops/check.js';
import { exampleSpec } from '../../src/cluster-spec/examples.js';
import { parseSpec } from '../../src/cluster-spec/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function kubeha(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeha-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kubeha check (in process)', () => {
  it('checkReport: spec warnings become findings with file/line/col', () => {
    const text = exampleSpec('dedicated-lb').replace(/ {2}- name: lb1[^\n]*\n[^\n]*\n[^\n]*\n/, '');
    const r = parseSpec(text, 'one.yaml');
    assert.ok(r.spec);
    const report = checkReport(r.spec, r.diagnostics, () => ({ findings: [], scenarios: [] }));
    assert.deepEqual(report.scenarios, []);
    assert.equal(report.findings.length, 1);
    const f = report.findings[0];
    assert.equal(f?.rule, 'SPEC_SINGLE_LB_HOST');
    assert.equal(f?.severity, 'warning');
    assert.equal(f?.file, 'one.yaml');
    assert.ok(typeof f?.line === 'number' && typeof f.col === 'number');
  });

  it('checkReport merges what the analysis hook returns', () => {
    const r = parseSpec(exampleSpec('stacked'), 's.yaml');
    assert.ok(r.spec);
    const report = checkReport(r.spec, r.diagnostics, () => ({
      findings: [{ severity: 'error', rule: 'render-parse-roundtrip', message: 'm' }],
      scenarios: [{ failure: 'none', vipHolders: ['master1'], apiReachable: true, note: '' }],
    }));
    assert.equal(report.findings[0]?.rule, 'render-parse-roundtrip');
    assert.equal(report.scenarios.length, 1);
  });
});

describe('check text output of analysis findings', () => {
  it('a finding about the cluster as a whole is shown at the spec file, one with a file at its own place', () => {
    const whole = renderFinding({ severity: 'warning', rule: 'scenario-split-brain', message: 'lb0 and lb1 both hold the VIP' }, 'cluster.yaml');
    assert.match(whole, /^cluster\.yaml: warning\[scenario-split-brain\]: lb0 and lb1/);
    const placed = renderFinding({ severity: 'info', rule: 'drift-mode', message: 'm', file: '/lb0/etc/keepalived/keepalived.conf', line: 24, col: 1 }, 'cluster.yaml');
    assert.match(placed, /^\/lb0\/etc\/keepalived\/keepalived\.conf:24:1: info\[drift-mode\]: m/);
  });
});

describe('kubeha check - with a standard input nobody closes', () => {
  // The pipe stays open and silent (after some bytes, or none): kubeha gives up after its idle bound. Only an
  // upper bound on time is asserted: the child is killed at 60 s, far above the bound.
  for (const sent of ['', 'apiVersion: kubeha.io/v1alpha1\n']) {
    it(sent ? 'after some bytes' : 'with no byte at all', async () => {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'check', '-'], { cwd: ROOT, timeout: 60_000 }, (err, _out, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
        });
        if (sent) child.stdin?.write(sent);
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /KUBEHA_FILE_IDLE/);
      assert.match(r.stderr, sent ? new RegExp(`stopped sending data after ${sent.length} bytes`) : /gave no data/);
    });
  }
});

describe('kubeha init / check / schema (CLI)', () => {
  it('init | check --output json: exit 0 and the JSON contract', async () => {
    const file = join(dir, 'cluster.yaml');
    const init = await kubeha(['init', '-o', file]);
    assert.equal(init.code, 0, init.stderr);
    const r = await kubeha(['check', file, '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: { severity: string; rule: string }[]; scenarios: { failure: string; apiReachable: boolean }[] };
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);
    assert.ok(report.scenarios.some((s) => s.failure === 'haproxy-down:lb0' && s.apiReachable));
    const again = await kubeha(['init', '-o', file]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /KUBEHA_FILE_EXISTS/);
    assert.equal(await readFile(file, 'utf8'), exampleSpec('dedicated-lb'));
  });

  it('check: 2 etcd members are refused (exit 2, file:line:col, the quorum arithmetic); --force makes them a warning', async () => {
    const file = join(dir, 'two-etcd.yaml');
    await writeFile(file, exampleSpec('dedicated-lb').replace(/(name: master3[^\n]*\n[^\n]*\n\s*roles: )\[control-plane, etcd\]/, '$1[control-plane]'));
    const refused = await kubeha(['check', file]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /two-etcd\.yaml:\d+:\d+: error\[SPEC_ETCD_EVEN_MEMBERS\]: 2 etcd members: .*so 2 tolerate 0, like 1/);
    assert.match(refused.stderr, /--force/);
    const r = await kubeha(['check', file, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning\[SPEC_ETCD_EVEN_MEMBERS\]/);
    assert.match(r.stdout, /\n\s+\|\s+\^+/);
    assert.match(r.stdout, /: ok: 0 error\(s\), \d+ warning\(s\)/);
  });

  it('check --output json on an invalid spec: exit 2, findings on stdout, diagnostics on stderr', async () => {
    const file = join(dir, 'dup.yaml');
    await writeFile(file, exampleSpec('dedicated-lb').replace('name: lb1', 'name: lb0'));
    const r = await kubeha(['check', file, '--output', 'json']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout) as { findings: { rule: string; line: number }[] };
    assert.equal(report.findings[0]?.rule, 'SPEC_DUPLICATE_HOST_NAME');
    assert.equal(report.findings[0]?.line, 19);
    assert.match(r.stderr, /error\[SPEC_DUPLICATE_HOST_NAME\]/);
  });

  it('schema prints JSON with $id', async () => {
    const r = await kubeha(['schema']);
    assert.equal(r.code, 0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(typeof s['$id'], 'string');
  });
});
