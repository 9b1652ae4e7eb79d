import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { trackersOf, vipMembers } from '../../src/model/queries.js';
import { classifyTrackFile, trackFileNumber, UNIT_STOP_HOOK_MS } from '../../src/model/tracker-class.js';
import { fileTrackerEffect, skewMs } from '../../src/analyze/vrrp.js';
import type { ModelHost, TrackFile } from '../../src/model/types.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { renderCluster, renderMirrorManifest } from '../../src/render/index.js';
import { HAPROXY_DROPIN, KEEPALIVED_DROPIN } from '../../src/render/systemd.js';
import { TEST_SECRETS, dedicatedSpec } from '../render/specs.js';

describe('track_file semantics (keepalived 2.2.7 track_file.c, vrrp_track.c)', () => {
  test("trackFileNumber is strtol(buf, NULL, 0); a missing file reads 0", () => {
    assert.deepEqual(
      [undefined, '', '1\n', ' 0x10', '010', '-3', 'abc', '12abc', '0'].map(trackFileNumber),
      [0, 0, 1, 16, 8, -3, 0, 12, 0],
    );
  });

  test('fileTrackerEffect: weight 0 → FAULT on non-zero (on zero with reverse); else value × weight, FAULT at ≤ −254, at most +253', () => {
    assert.deepEqual(fileTrackerEffect(1, 0, false), { delta: 0, fault: true });
    assert.deepEqual(fileTrackerEffect(0, 0, false), { delta: 0, fault: false });
    assert.deepEqual(fileTrackerEffect(0, 0, true), { delta: 0, fault: true });
    assert.deepEqual(fileTrackerEffect(1, -50, false), { delta: -50, fault: false });
    assert.deepEqual(fileTrackerEffect(1, 50, true), { delta: -50, fault: false });
    assert.deepEqual(fileTrackerEffect(3, -100, false), { delta: 0, fault: true });
    assert.deepEqual(fileTrackerEffect(5, 100, false), { delta: 253, fault: false });
  });

  const host = (extra: Partial<ModelHost>): ModelHost => ({ name: 'lb0', address: '10.0.0.2', sysctl: {}, files: {}, ...extra });
  const tf: TrackFile = { name: 'f', file: '/run/f', weight: 0 };
  const stop1 = { unit: 'haproxy.service', on: 'stop', directive: 'ExecStopPost', file: '/run/f', content: { kind: 'literal', value: '1' } } as const;
  const start0 = { unit: 'haproxy.service', on: 'start', directive: 'ExecStartPost', file: '/run/f', content: { kind: 'literal', value: '0' } } as const;

  test("written by haproxy.service's stop hook: follows HAProxy, detected once systemd ran the hook", () => {
    const c = classifyTrackFile(host({ unitFileWrites: [start0, stop1] }), { ...tf, init: { value: 1, overwrite: false } });
    assert.equal(c.cls.kind, 'haproxy-process');
    assert.deepEqual(c.values, { passing: 0, failing: 1 });
    assert.equal(c.detectMs, UNIT_STOP_HOOK_MS);
    assert.ok(UNIT_STOP_HOOK_MS > 0 && UNIT_STOP_HOOK_MS < 200, 'a hook, not a polling interval');
  });

  test('nobody writes it: static; the mirror copy decides, else init_file, else 0', () => {
    assert.deepEqual(classifyTrackFile(host({ files: { '/run/f': '1\n' } }), tf), {
      cls: { kind: 'static', detail: "track_file /run/f: no unit hook writes it; keepalived reads 1 (the mirror's copy of the file)" },
      values: { passing: 1, failing: 1 },
      detectMs: 0,
    });
    assert.deepEqual(classifyTrackFile(host({}), { ...tf, init: { value: 1, overwrite: false } }).values, { passing: 1, failing: 1 });
    assert.deepEqual(classifyTrackFile(host({}), tf).values, { passing: 0, failing: 0 });
    // A unit hook of another file, or a start hook only, does not make it follow HAProxy.
    assert.equal(classifyTrackFile(host({ unitFileWrites: [{ ...stop1, file: '/run/other' }] }), tf).cls.kind, 'static');
    assert.equal(classifyTrackFile(host({ unitFileWrites: [start0] }), tf).cls.kind, 'static');
  });

  test("keepalived.service's start hook writing HAProxy's state sets the running value", () => {
    const state = { unit: 'keepalived.service', on: 'start', directive: 'ExecStartPre', file: '/run/f', content: { kind: 'unit-state', unit: 'haproxy.service', active: '0', inactive: '1' } } as const;
    const c = classifyTrackFile(host({ files: { '/run/f': '1' }, unitFileWrites: [state, stop1] }), tf);
    assert.deepEqual([c.cls.kind, c.values], ['haproxy-process', { passing: 0, failing: 1 }]);
  });
});

function mirror(drop: (path: string) => boolean = () => false, extra: Record<string, string> = {}): Record<string, string> {
  const spec = dedicatedSpec();
  const files: Record<string, string> = { '/hosts.yaml': renderMirrorManifest(spec) };
  for (const h of renderCluster(spec, TEST_SECRETS)) for (const f of h.files) if (!drop(f.path)) files[`/${h.host}${f.path}`] = f.content;
  return { ...files, ...extra };
}

function analyse(files: Record<string, string>): ReturnType<typeof analyzeModel> {
  const { model } = loadMirror(memoryFileSource(files));
  assert.ok(model);
  return analyzeModel(model);
}

describe("kubeha's rendered dedicated-lb topology: haproxy-down on the VIP holder", () => {
  test('the drop-in makes track_file haproxy_down follow HAProxy', () => {
    const { model } = loadMirror(memoryFileSource(mirror()));
    assert.ok(model);
    const [m] = vipMembers(model);
    assert.ok(m);
    const t = trackersOf(model, m).find((x) => x.name === 'haproxy_down');
    assert.deepEqual([t?.cls.kind, t?.detectMs, t?.fileValues], ['haproxy-process', UNIT_STOP_HOOK_MS, { passing: 0, failing: 1 }]);
  });

  test('predicted outage: the stop hook, FAULT, then the new master\'s skew time (tens of ms), not the 2 s port probe', () => {
    const r = analyse(mirror());
    const holder = r.scenarios.find((s) => s.failure === 'none')?.vipHolders[0];
    assert.ok(holder);
    const s = r.scenarios.find((x) => x.failure === `haproxy-down:${holder}`);
    assert.ok(s?.apiReachable);
    assert.notDeepEqual(s.vipHolders, [holder]);
    // The hook writes the file; equal priorities (100): the backup takes over after its skew time, (256 − 100) × advert_int / 256.
    assert.equal(s.predictedOutageMs, Math.round(UNIT_STOP_HOOK_MS + skewMs(100, dedicatedSpec().loadBalancer.advertInt)));
    assert.ok(s.predictedOutageMs < 2000, `predicted ${s.predictedOutageMs} ms`);
    assert.match(s.note, /FAULT/);
  });

  test('without the haproxy.service drop-in the state file is static: a mirror copy reading 0 leaves only the port probe (~2 s)', () => {
    const r = analyse(mirror((p) => p === HAPROXY_DROPIN, { '/lb0/run/kubeha-haproxy-down': '0\n', '/lb1/run/kubeha-haproxy-down': '0\n' }));
    const holder = r.scenarios.find((s) => s.failure === 'none')?.vipHolders[0];
    const s = r.scenarios.find((x) => x.failure === `haproxy-down:${holder ?? ''}`);
    assert.ok(s?.predictedOutageMs !== undefined && s.predictedOutageMs >= 2000, `predicted ${s?.predictedOutageMs} ms`);
  });

  test('without any drop-in and no state file, init_file 1 puts every LB in FAULT: nobody holds the VIP', () => {
    const r = analyse(mirror((p) => p === HAPROXY_DROPIN || p === KEEPALIVED_DROPIN));
    const none = r.scenarios.find((s) => s.failure === 'none');
    assert.deepEqual(none?.vipHolders, []);
    assert.equal(none?.apiReachable, false);
  });
});
