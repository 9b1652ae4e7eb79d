import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyEvent, ApplyEventInput } from '../../src/apply/events.js';
import { plainView, summaryTable, ttyView } from '../../src/apply/views.js';

const t = (e: ApplyEventInput): ApplyEvent => ({ time: '2026-01-01T00:00:00.000Z', ...e });
const stream: ApplyEvent[] = [
  t({ type: 'plan', hosts: [{ host: 'lb0', changes: 2, steps: 3 }, { host: 'm0', changes: 0, steps: 1 }], phases: ['files', 'verify'], parallel: 8 }),
  t({ type: 'host-start', host: 'lb0' }),
  t({ type: 'phase-start', host: 'lb0', phase: 'files' }),
  t({ type: 'step-start', host: 'lb0', phase: 'files', step: 'files:/etc/haproxy/haproxy.cfg', kind: 'write-file', title: 'update /etc/haproxy/haproxy.cfg' }),
  t({ type: 'step-failed', host: 'lb0', phase: 'files', step: 'files:/etc/haproxy/haproxy.cfg', kind: 'write-file', title: 'update /etc/haproxy/haproxy.cfg', error: 'lb0: command `haproxy -c -f …` exited with 1\n    [ALERT] bad', ms: 120 }),
  t({ type: 'host-done', host: 'lb0', status: 'failed', changes: 0, ms: 130 }),
  t({ type: 'host-start', host: 'm0' }),
  t({ type: 'phase-start', host: 'm0', phase: 'verify' }),
  t({ type: 'step-done', host: 'm0', phase: 'verify', step: 'verify', kind: 'verify', title: 'check 1 file(s) in place', changed: false, ms: 30 }),
  t({ type: 'phase-done', host: 'm0', phase: 'verify', ms: 30 }),
  t({ type: 'host-done', host: 'm0', status: 'unchanged', changes: 0, ms: 31 }),
  t({ type: 'done', ok: false, changes: 0, hosts: [{ host: 'lb0', status: 'failed', changes: 0, failedAt: 'files/files:/etc/haproxy/haproxy.cfg', error: 'x', ms: 130 }, { host: 'm0', status: 'unchanged', changes: 0, ms: 31 }], ms: 140 }),
];

describe('views of the event stream', () => {
  it('the terminal board shows one line per host with phase marks, then the failure and the summary', () => {
    let out = '';
    const view = ttyView({ write: (s: string) => (out += s), columns: 120 });
    stream.forEach(view);
    const plain = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex
    assert.match(plain, /^lb0 +✗ files {2}· verify {2}FAILED update \/etc\/haproxy\/haproxy\.cfg$/m);
    assert.match(plain, /^m0 +· files {2}✓ verify {2}unchanged$/m);
    assert.match(plain, /lb0: files: update \/etc\/haproxy\/haproxy\.cfg\n {4}lb0: command `haproxy -c -f …` exited with 1/);
    assert.match(plain, /1 of 2 host\(s\) FAILED/);
  });

  it('plain lines name host, phase and outcome; the summary table has a FAILED AT column', () => {
    let out = '';
    stream.forEach(plainView({ write: (s: string) => (out += s) }));
    assert.match(out, /^lb0 {2}files {5}FAILED {3}update \/etc\/haproxy\/haproxy\.cfg$/m);
    assert.match(out, /^m0 {2}verify {4}ok {7}check 1 file\(s\) in place {2}30ms$/m);
    assert.match(summaryTable([{ host: 'lb0', status: 'failed', changes: 0, failedAt: 'files/x', ms: 1500 }], 1500), /^lb0 {3}failed {2}0 {8}1\.5s {2}files\/x$/m);
  });
});
