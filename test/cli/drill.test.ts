import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `kubeha drill` and `kubeha status` refusals, before anything is reached: these hosts are not a lab (addresses no
 * lab uses), so nothing here breaks or connects to anything.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = mkdtempSync(join(tmpdir(), 'kubeha-drill-cli-'));
const SPEC = join(DIR, 'cluster.yaml');
writeFileSync(SPEC, readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replaceAll('10.78.0.', '10.251.77.'));

function kubeha(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, encoding: 'utf8', input: '', env: { ...process.env, KUBEHA_NETNS: '' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const drill = (...args: string[]): ReturnType<typeof kubeha> => kubeha(['drill', SPEC, '--state-dir', join(DIR, 'state'), ...args]);

describe('kubeha drill: bad input exits 2 with one line and a hint, nothing touched', () => {
  it('no scenario', () => {
    const r = drill();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[E_ARG\]: drill needs --scenario NAME, --all or --soak/);
  });
  it('a scenario kubeha cannot read: FAILURE_SYNTAX', () => {
    const r = drill('--scenario', 'node-up:lb0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[FAILURE_SYNTAX\]: failure "node-up:lb0": unknown kind/);
  });
  it('a host the spec does not have: DRILL_UNKNOWN_HOST', () => {
    const r = drill('--scenario', 'haproxy-down:lb9');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[DRILL_UNKNOWN_HOST\]: haproxy-down:lb9 names lb9/);
  });
  it('node-down, partition and link-degraded outside a lab: DRILL_LAB_ONLY', () => {
    for (const s of ['node-down:lb0', 'partition:lb0|lb1', 'link-degraded:lb1']) {
      const r = drill('--scenario', s);
      assert.equal(r.code, 2, s);
      assert.match(r.stderr, /error\[DRILL_LAB_ONLY\]/, s);
    }
  });
  it('a drill on hosts that are not a lab, without --yes and without a terminal: says what it would break, refuses', () => {
    const r = drill('--scenario', 'haproxy-down:lb0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /SIGKILL haproxy on lb0/);
    assert.match(r.stderr, /error\[DRILL_NOT_CONFIRMED\]/);
  });
  it('--probe-interval and --soak-seconds are bounded', () => {
    assert.equal(drill('--scenario', 'haproxy-down:lb0', '--probe-interval', '1').code, 2);
    assert.equal(drill('--soak', '--soak-seconds', '99999').code, 2);
  });
});

describe('kubeha status: bad input', () => {
  it('--interval out of range', () => {
    const r = kubeha(['status', SPEC, '--interval', '0.1', '--state-dir', join(DIR, 'state')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--interval must be from 0\.5 to 60 seconds/);
  });
});
