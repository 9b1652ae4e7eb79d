import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../../src/analyze/index.js';
import { serverCheckVerdict } from '../../src/analyze/reach.js';
import { dirFileSource } from '../../src/cli/dir-source.js';
import { loadMirror } from '../../src/parse/mirror.js';

// The expected verdicts come from the REAL tools, not from kubeha: scripts/analysis-real.ts ran HAProxy 2.6.12 with
// each case's haproxy.cfg in network namespaces against a Go TLS server that answers like kube-apiserver, and
// recorded whether a client got through and how the checks marked the servers (expected.json). Regenerate with
// `node --import tsx scripts/analysis-real.ts` (root, slow); this test only runs the analyser (fast). Cases with
// keepalived.conf also ran the real keepalived 2.2.7 and recorded who held the VIP.
const FIX = fileURLToPath(new URL('../fixtures/analysis-real/', import.meta.url));

interface Real {
  haproxyStarted: Record<string, boolean>;
  /** With keepalived: who held the endpoint VIP with nothing broken. */
  vipHolders?: string[];
  servers: Record<string, Record<string, string>>;
  scenarios: Record<string, { apiReachable: boolean }>;
}
const expected = JSON.parse(readFileSync(FIX + 'expected.json', 'utf8')) as Record<string, Real>;

describe('the analyser agrees with real HAProxy on every recorded case', () => {
  it('every case folder has a recorded verdict (run scripts/analysis-real.ts after adding one)', () => {
    assert.deepEqual(readdirSync(FIX + 'cases').sort().filter((c) => !(c in expected)), []);
  });
  for (const [name, real] of Object.entries(expected)) {
    describe(name, () => {
      const { model, diagnostics } = loadMirror(dirFileSource(FIX + 'cases/' + name));
      it('loads without parser errors (haproxy -c accepts every case)', () => {
        assert.ok(model);
        assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`), []);
      });
      if (!model) return;
      const report = analyzeModel(model);
      for (const [failure, want] of Object.entries(real.scenarios)) {
        it(`${failure}: apiReachable ${want.apiReachable} as with the real tools`, () => {
          const s = report.scenarios.find((x) => x.failure === failure);
          assert.ok(s, `scenario ${failure} in [${report.scenarios.map((x) => x.failure).join(', ')}]`);
          assert.equal(s.apiReachable, want.apiReachable, s.note);
        });
      }
      if (real.vipHolders) {
        it(`none: VIP held by ${real.vipHolders.join(', ') || 'nobody'} as with real keepalived`, () => {
          const s = report.scenarios.find((x) => x.failure === 'none');
          assert.deepEqual([...(s?.vipHolders ?? [])].sort(), [...(real.vipHolders ?? [])].sort(), s?.note);
        });
      }
      it('each checked server is UP exactly when the modelled check passes', () => {
        for (const [hostName, servers] of Object.entries(real.servers)) {
          const host = model.hosts.find((h) => h.name === hostName);
          for (const [key, status] of Object.entries(servers)) {
            const [bn, sn] = key.split('/');
            const be = host?.haproxy?.backends.find((b) => b.name === bn);
            const s = be?.servers.find((x) => x.name === sn);
            assert.ok(host && be && s, key);
            if (!s.check) continue;
            const v = serverCheckVerdict(model, host, be, s);
            assert.equal(v.passes, status.startsWith('UP'), `${key}: real ${status}, kubeha: ${v.why}`);
          }
        }
      });
      it('an error finding exactly when a client does not get through with nothing broken', () => {
        const none = real.scenarios['none'];
        const errors = report.findings.filter((f) => f.severity === 'error' && f.rule !== 'scenario-api-unreachable' && !f.rule.startsWith('topology-'));
        if (none && !none.apiReachable) assert.ok(errors.length > 0, 'a rule names the cause');
      });
    });
  }
});
