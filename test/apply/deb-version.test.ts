import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compareDebVersionText, parseDebVersion } from '../../src/apply/deb-version.js';

/** Pairs and how they compare (deb-version(7)'s examples, dpkg's own test cases, and kubeha's package versions). */
const CASES: [string, '<' | '=' | '>', string][] = [
  ['1.0', '=', '1.0'],
  ['1.0', '=', '0:1.0'],
  ['1.0', '=', '1.0-0'],
  ['1.0', '=', '01.0'],
  ['1.0', '=', '1.00'],
  ['1.0', '<', '1.1'],
  ['1.9', '<', '1.10'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~~', '<', '1.0~'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0a', '<', '1.0+'],
  ['1.0', '<', '1.0-1'],
  ['1.0-1', '<', '1.0+b1'],
  ['1.0-1', '<', '1.0-1+b1'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0-9', '<', '1.0-10'],
  ['1.0-1~bpo1', '<', '1.0-1'],
  ['2.0', '<', '1:0.9'],
  ['1:1.0', '<', '2:0.1'],
  ['10:1.0', '>', '9:2.0'],
  ['1.0-a-1', '>', '1.0-a'],
  ['1.0-a-1', '>', '1.0-b'],
  ['1.0-b-9', '<', '1.0-c-1'],
  ['a', '<', 'b'],
  ['a', '<', 'aa'],
  ['Z', '<', 'a'],
  ['1.0.', '>', '1.0'],
  ['1.2.3', '>', '1.2'],
  ['1.37.2', '<', '1.37.2-1'],
  ['1.37.2-1', '<', '1.37.2-2'],
  ['1.37.2-2', '<', '1.37.10'],
  ['1.37.2+kubeha1', '>', '1.37.2-1'],
  ['1.38.0~alpha.1', '<', '1.38.0'],
  ['1.38.0~alpha.1', '>', '1.37.99'],
  ['3.7.0', '<', '3.7.3'],
  ['3.10.0', '>', '3.9.9'],
  ['2.8.16-1~deb12u1', '<', '2.8.16-1'],
  ['1:2.2.8-1', '>', '2.2.9-1'],
  ['99999999999999999999999', '<', '100000000000000000000000'],
  ['0001', '=', '1'],
];

const sign = (op: '<' | '=' | '>'): number => (op === '<' ? -1 : op === '=' ? 0 : 1);
const hasDpkg = spawnSync('dpkg', ['--version'], { stdio: 'ignore' }).status === 0;
/** `dpkg --compare-versions a op b`: true when it holds. */
const dpkgSays = (a: string, op: 'lt' | 'eq' | 'gt', b: string): boolean => spawnSync('dpkg', ['--compare-versions', a, op, b], { stdio: 'ignore' }).status === 0;
const dpkgOp = { '<': 'lt', '=': 'eq', '>': 'gt' } as const;

describe('Debian version order', () => {
  it('matches the table in both directions', () => {
    for (const [a, op, b] of CASES) {
      assert.equal(compareDebVersionText(a, b), sign(op), `${a} ${op} ${b}`);
      assert.equal(compareDebVersionText(b, a), sign(op) === 0 ? 0 : -sign(op), `${b} vs ${a}`);
    }
  });

  it('agrees with dpkg --compare-versions on every pair of the table', { skip: hasDpkg ? false : 'no dpkg on this machine' }, () => {
    for (const [a, op, b] of CASES) {
      // dpkg itself must agree with the table (otherwise the table is wrong), and with us.
      assert.ok(dpkgSays(a, dpkgOp[op], b), `dpkg disagrees with the table: ${a} ${op} ${b}`);
      const ours = compareDebVersionText(a, b);
      assert.ok(dpkgSays(a, ours < 0 ? 'lt' : ours > 0 ? 'gt' : 'eq', b), `dpkg disagrees with compareDebVersions: ${a} vs ${b} = ${ours}`);
    }
  });

  it('sorts a shuffled list the way dpkg orders each neighbouring pair', { skip: hasDpkg ? false : 'no dpkg on this machine' }, () => {
    const all = [...new Set(CASES.flatMap(([a, , b]) => [a, b]))];
    const sorted = [...all].sort(compareDebVersionText);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      const ours = compareDebVersionText(a, b);
      assert.ok(ours <= 0, `${a} before ${b}`);
      assert.ok(dpkgSays(a, ours === 0 ? 'eq' : 'lt', b), `dpkg: ${a} ${ours === 0 ? 'eq' : 'lt'} ${b}`);
    }
  });

  it('splits epoch, upstream and revision (the revision after the last hyphen)', () => {
    assert.deepEqual(parseDebVersion('2:1.0-a-3'), { epoch: 2, upstream: '1.0-a', revision: '3' });
    assert.deepEqual(parseDebVersion('1.37.2'), { epoch: 0, upstream: '1.37.2', revision: '' });
    assert.deepEqual(parseDebVersion('1:2:3-4'), { epoch: 1, upstream: '2:3', revision: '4' });
  });

  it('refuses what dpkg refuses, saying why', () => {
    for (const bad of ['', 'a:1.0', '1.0-', '-1', '1.0 1', '1.0-1:2', ':1.0']) {
      const r = parseDebVersion(bad);
      assert.ok('error' in r, `"${bad}" should be refused`);
      // dpkg takes a leading '-' for an option: those are checked against the table only.
      if (hasDpkg && bad.trim() !== '' && !bad.startsWith('-')) {
        const res = spawnSync('dpkg', ['--compare-versions', bad, 'eq', bad], { encoding: 'utf8' });
        assert.equal(res.status, 2, `dpkg accepted "${bad}"`);
      }
    }
    assert.throws(() => compareDebVersionText('1.0', 'x:1'), /epoch/);
  });

  it('is stricter than dpkg --compare-versions on characters (dpkg only warns): kubeha never writes such a version', () => {
    for (const bad of ['1.0_1', '1.0-1_2', '1.0/1']) assert.ok('error' in parseDebVersion(bad), bad);
  });
});
