import { UNIT_STOP_HOOK_MS } from '../../src/model/tracker-class.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec } from '../../src/analyze/spec-analysis.js';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { exampleSpec } from '../../src/cluster-spec/examples.js';
import { DEFAULTS } from '../../src/cluster-spec/defaults.js';
import { masterDownMs, skewMs } from '../../src/analyze/vrrp.js';
import { BASE_PRIORITY } from '../../src/render/keepalived.js';

const load = (text: string) => {
  const r = parseSpec(text, 'c.yaml');
  assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('; '));
  return r.spec;
};

for (const topology of ['dedicated-lb', 'stacked', 'external-lb'] as const) {
  test(`check's analysis of the ${topology} example: every single failure keeps the API reachable, no error finding`, () => {
    const report = analyzeSpec(load(exampleSpec(topology)));
    assert.ok(report.scenarios.some((s) => s.failure === 'none'));
    assert.ok(report.scenarios.length > 1, 'failure scenarios are simulated');
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error').map((f) => f.rule), []);
    for (const s of report.scenarios) {
      if (s.failure.startsWith('partition:')) continue;
      assert.ok(s.apiReachable, `${s.failure}: ${s.note}`);
      if (topology !== 'external-lb') assert.equal(s.vipHolders.length, 1, `${s.failure} holders ${s.vipHolders.join(',')}`);
    }
  });
}

test("check's analysis sees what the spec renders: a single LB host means node-down of it loses the API", () => {
  const text = exampleSpec('dedicated-lb').replace(/ {2}- name: lb1[^\n]*\n[^\n]*\n[^\n]*\n/, '');
  const report = analyzeSpec(load(text));
  const down = report.scenarios.find((s) => s.failure === 'node-down:lb0');
  assert.ok(down, report.scenarios.map((s) => s.failure).join(','));
  assert.equal(down.apiReachable, false);
  assert.ok(report.findings.some((f) => f.severity === 'error'));
});

test("with equal LB priorities the 'none' note says the start-up holder is a race, not a fact", () => {
  const report = analyzeSpec(load(exampleSpec('dedicated-lb')));
  const none = report.scenarios.find((s) => s.failure === 'none');
  assert.match(none?.note ?? '', /equal priority: which one holds the VIP after start-up depends on start order/);
});

test("unequal priorities (seed 000): the 'none' note claims no race", async () => {
  const { dirFileSource } = await import('../../src/cli/dir-source.js');
  const { loadMirror } = await import('../../src/parse/mirror.js');
  const { analyzeModel } = await import('../../src/analyze/index.js');
  const { model } = loadMirror(dirFileSource(new URL('../fixtures/seeds/seed-000', import.meta.url).pathname));
  assert.ok(model);
  const none = analyzeModel(model).scenarios.find((s) => s.failure === 'none');
  assert.ok(none);
  assert.doesNotMatch(none.note, /depends on start order/);
});

test("check's predictions follow the default advert_int: power-off = master-down interval, keepalived stop = skew, HAProxy death = stop hook + skew", () => {
  // A spec that leaves advertInt to its default: the prediction must come from what is rendered, not a constant.
  const text = exampleSpec('dedicated-lb').replace(/^ {2}advertInt:[^\n]*\n/m, '');
  assert.doesNotMatch(text, /advertInt/);
  const report = analyzeSpec(load(text));
  const holder = report.scenarios.find((s) => s.failure === 'none')?.vipHolders[0];
  assert.ok(holder);
  const predicted = (f: string) => report.scenarios.find((s) => s.failure === `${f}:${holder}`)?.predictedOutageMs;
  const adv = DEFAULTS.advertIntV3;
  assert.equal(predicted('node-down'), Math.round(masterDownMs(BASE_PRIORITY, adv)));
  assert.equal(predicted('keepalived-down'), Math.round(skewMs(BASE_PRIORITY, adv)));
  assert.equal(predicted('haproxy-down'), Math.round(UNIT_STOP_HOOK_MS + skewMs(BASE_PRIORITY, adv)));
  assert.deepEqual(report.findings.filter((f) => f.rule === 'vrrp-fast-advert-not-realtime'), [], 'the rendered vrrp_rt_priority is seen');
});
