import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { topologySvg } from '../../src/dashboard/topology.js';
import { comparisonTable, drillFragment, drillsPage, overviewPage, predictionsPage, provisionalResult } from '../../src/dashboard/views.js';
import { benchRows } from '../../src/measure/bench-table.js';
import type { ProbeEvent } from '../../src/measure/probes.js';
import { HOSTS, drillResult, status, view } from './fixtures.js';

/** The dashboard's pure views: what each page and the topology say for given values. */

const attr = (html: string, re: RegExp): string[] => [...html.matchAll(re)].map((m) => m[1]!);

describe('topology SVG', () => {
  it('draws the VIP to its holder, names the holder, and one box per host', () => {
    const svg = topologySvg({ vip: '10.1.0.10', port: 6443, ...HOSTS, status: status('lb1') });
    assert.deepEqual(attr(svg, /<g class="vip" data-holder="([^"]*)"/g), ['lb1']);
    assert.match(svg, /held by lb1/);
    assert.deepEqual(attr(svg, /<g class="host [a-z]+" data-host="([^"]+)"/g).sort(), ['lb0', 'lb1', 'm0', 'm1', 'm2', 'w0']);
    // The holder's link is solid, the other LB's dashed.
    assert.match(svg, /class="vip-link" data-host="lb1"[^>]*stroke-width="4"\/>/);
    assert.match(svg, /class="vip-link" data-host="lb0"[^>]*stroke-dasharray/);
  });

  it("shows HAProxy's view of each backend from each LB, and a master whose apiserver fails", () => {
    const svg = topologySvg({ vip: '10.1.0.10', port: 6443, ...HOSTS, status: status('lb0', { down: ['m1'] }) });
    const lines = attr(svg, /class="backend" (data-lb="[^"]+" data-server="[^"]+" data-status="[^"]+")/g);
    assert.equal(lines.length, HOSTS.lbs.length * HOSTS.masters.length);
    assert.ok(lines.includes('data-lb="lb0" data-server="m1" data-status="DOWN"'));
    assert.ok(lines.includes('data-lb="lb1" data-server="m0" data-status="UP"'));
    assert.match(svg, /data-host="m1" data-state="bad"/);
    assert.match(svg, /data-host="lb0" data-state="warn"/, 'an LB that sees a backend down is degraded');
  });

  it('nobody holding the VIP, an unreachable LB, and no look yet are drawn as such', () => {
    const none = topologySvg({ vip: '10.1.0.10', port: 6443, ...HOSTS, status: status(undefined, { unreachable: 'lb1' }) });
    assert.match(none, /held by nobody/);
    assert.match(none, /<g class="vip" data-holder="" data-state="bad"/);
    assert.match(none, /data-host="lb1" data-state="bad"/);
    assert.match(none, />unreachable</);
    const unknown = topologySvg({ vip: '10.1.0.10', port: 6443, ...HOSTS, status: undefined });
    assert.match(unknown, /held by unknown/);
    assert.deepEqual([...new Set(attr(unknown, /class="backend"[^>]*data-status="([^"]+)"/g))], ['unknown']);
  });

  it('escapes names', () => {
    const svg = topologySvg({ vip: '10.1.0.10', port: 6443, lbs: [{ name: 'a<b>&"', address: '1' }], masters: [], workers: [], status: undefined });
    assert.ok(!svg.includes('a<b>'));
    assert.match(svg, /a&lt;b&gt;&amp;&quot;/);
  });
});

describe('pages', () => {
  it('the topology page: verdict, holder and the time of the last change; a lab that is not up says how to start it', () => {
    const page = overviewPage(view());
    assert.match(page, /data-verdict="healthy"/);
    assert.match(page, /data-vip-holder="lb0"/);
    assert.match(page, /<time datetime="2026-12-03T06:59:00.000Z" data-last-change>/);
    assert.match(page, /<section id="status-live" data-live="status"/);
    const down = overviewPage(view({ lab: { kind: 'down', name: 'demo', phase: 'creating' }, watching: false, status: undefined }));
    assert.match(down, /Lab demo is not up/);
    assert.match(down, /sudo kubeha lab up cluster\.yaml/);
    assert.match(down, /Not looking at the hosts/);
  });

  it('a spec that fails check: its errors on every page, nothing looked at', () => {
    const v = view({ specValid: false, specProblems: ['cluster.yaml:3:5: error[SPEC_DUPLICATE_ADDRESS]: address 10.0.0.1 twice'], status: undefined, watching: false, hosts: undefined });
    for (const page of [overviewPage(v), predictionsPage(v), drillsPage(v, undefined)]) {
      assert.match(page, /The spec fails check/);
      assert.match(page, /error\[SPEC_DUPLICATE_ADDRESS\]/);
    }
  });

  it('predictions: every scenario in the table, each finding linked to its explanation', () => {
    const page = predictionsPage(view());
    assert.match(page, /<a href="\/explain\/vrrp-positive-weight-below-gap"><code>vrrp-positive-weight-below-gap<\/code><\/a>/);
    for (const s of view().analysis.scenarios) assert.ok(page.includes(`<code>${s.failure}</code>`), s.failure);
    assert.match(page, /partition:lb0\|lb1<\/code><\/th><td>lb0, lb1<\/td><td class="bad">NO<\/td><td>API lost<\/td>/);
    assert.match(page, /node-down:lb0<\/code><\/th><td>lb1<\/td><td class="ok">yes<\/td><td>722 ms<\/td>/);
  });

  it('drills: a button per scenario in a lab (to a confirmation), none elsewhere; disabled while one runs', () => {
    const page = drillsPage(view(), undefined);
    assert.equal(attr(page, /<form method="get" action="\/drills\/confirm"><input type="hidden" name="scenario" value="([^"]+)">/g).length, 2);
    assert.ok(!page.includes(' disabled'));
    assert.match(drillsPage(view(), 'd1'), /<a href="\/drills\/d1">watch it<\/a>/);
    assert.match(drillsPage(view(), 'd1'), / disabled>/);
    const elsewhere = drillsPage(view({ drillable: [], lab: { kind: 'none' } }), undefined);
    assert.ok(!elsewhere.includes('action="/drills/confirm"'));
    assert.match(elsewhere, /in a lab only/);
  });

  it('past drills and the bench table with its date', () => {
    const r = drillResult();
    const page = drillsPage(view({ drills: [{ id: 'f1-1', source: 'file ha.json', result: r, progress: [] }], bench: { file: 'ha.json', date: r.startedAt, rows: benchRows([r]) } }), undefined);
    assert.match(page, /<a href="\/drills\/f1-1">node-down:lb0: outage 812 ms \(predicted 722 ms\), 37\/500 probes failed<\/a>/);
    assert.match(page, /<caption>ha\.json, drills of 2026-12-03T07:01:00\.000Z<\/caption>/);
    assert.match(page, /<td>812 \(722\)<\/td><td>37<\/td><td>5<\/td><td>1\/1<\/td>/);
  });
});

describe('a drill', () => {
  const probes = (from: number, n: number, okFrom: number): ProbeEvent[] => Array.from({ length: n }, (_, i) => ({ type: 'probe', start: from + i * 20, ms: 5, ok: i < okFrom || i > okFrom + 5 }));

  it('done: the timeline and the measured figures beside the prediction, the figures as in its JSON', () => {
    const r = drillResult();
    const html = drillFragment({ id: 'd1', source: 'run here', result: r, events: probes(r.faultAt - 500, 100, 30), progress: ['probing'] });
    assert.match(html, /data-drill-state="done"/);
    assert.match(html, /<svg /);
    assert.match(html, /class="probe-fail"/);
    for (const [field, value] of [
      ['outageMs', `${r.outageMs}`],
      ['failed', `${r.failed}/${r.probes}`],
      ['brokenWatches', `${r.brokenWatches}`],
      ['vipHoldersAfter', 'lb1'],
    ] as const)
      assert.ok(html.includes(`data-field="${field}">${value}<`), field);
  });

  it('a measurement other than the prediction is marked', () => {
    const html = comparisonTable(drillResult({ vipHoldersAfter: ['lb0'], recovered: false }));
    assert.match(html, /data-field="vipHoldersAfter" class="bad">lb0</);
    assert.match(html, /data-field="recovered" class="bad">NO</);
  });

  it('running: the probes so far, without the fault mark until the fault is in', () => {
    const live = { scenario: 'node-down:lb0', phase: 'probing' as const, events: probes(1000, 50, 100), vipHoldersBefore: ['lb0'], now: 2000 };
    const before = drillFragment({ id: 'd2', source: 'run here', live, progress: [] });
    assert.match(before, /data-drill-state="probing"/);
    assert.match(before, /50 probes, 0 failed/);
    assert.ok(!before.includes('data-kind="fault"'));
    const during = drillFragment({ id: 'd2', source: 'run here', live: { ...live, phase: 'fault', faultAt: 1600 }, progress: [] });
    assert.match(during, /data-kind="fault"/);
    assert.ok(!during.includes('data-kind="restore"'));
    assert.equal(provisionalResult({ ...live, faultAt: 1600 }).faultAt, 1600);
  });

  it("running: the VIP lane follows the dashboard's looks (nobody, then the peer)", () => {
    const live = { scenario: 'node-down:lb0', phase: 'fault' as const, events: probes(1000, 50, 100), vipHoldersBefore: ['lb0'], faultAt: 1600, now: 2500, seen: [{ at: 1500, holders: ['lb0'] }, { at: 1700, holders: [] }, { at: 1900, holders: ['lb1'] }] };
    assert.deepEqual(provisionalResult(live).transitions, [
      { host: 'lb0', state: 'BACKUP', atMs: 100 },
      { host: 'lb1', state: 'MASTER', atMs: 300 },
    ]);
    const html = drillFragment({ id: 'd3', source: 'run here', live, progress: [] });
    assert.equal(attr(html, /data-kind="(transition)"/g).length, 2);
    assert.match(html, /<title>lb1<\/title>/);
  });
});
