import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../../src/apply/engine.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import { parseObservation, observeScript } from '../../src/apply/observe.js';
import { planCluster } from '../../src/apply/plan.js';
import { planToJson, renderPlanText } from '../../src/apply/views.js';
import type { KubeadmObservation, ObservedHost, Plan, Step } from '../../src/apply/types.js';
import { pkiLayout } from '../../src/pki/files.js';
import { renderCluster } from '../../src/render/index.js';
import { KUBEADM_INIT, KUBEADM_JOIN } from '../../src/render/kubeadm.js';
import type { RenderedHost } from '../../src/render/types.js';
import { kubeadmScript, maskTokens } from '../../src/remote/kubeadm.js';
import type { ExecResult, RemoteHost } from '../../src/remote/ssh.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec } from '../render/specs.js';

/**
 * kubeadm mode in apply: kubeadm init on the first control-plane host, then kubeadm join on the others one at a time,
 * each after the first apiserver answers; prerequisites checked before anything changes; a rerun plans nothing; the
 * bootstrap token never in anything kubeha prints.
 */

const TOKEN = 'abcdef.0123456789abcdef';
const SECRETS = { ...TEST_SECRETS, 'kubeadm-bootstrap-token': TOKEN };
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function kubeadmSpec(): ClusterSpec {
  const s = dedicatedSpec();
  s.controlPlane.installer = 'kubeadm';
  return s;
}
const rendered = (): RenderedHost[] => renderCluster(kubeadmSpec(), SECRETS, { clusterCaCert: CA });
const masters = (hosts: RenderedHost[]): RenderedHost[] => hosts.filter((h) => h.kubeadm);

const READY: KubeadmObservation = { version: 'v1.37.2', kubelet: true, runtime: true, manifests: false, kubeletConf: false };
function seen(want: RenderedHost, kubeadm: KubeadmObservation | undefined = want.kubeadm ? READY : undefined): ObservedHost {
  return {
    host: want.host,
    packageManager: 'apt',
    os: 'Debian GNU/Linux 12 (bookworm)',
    installed: Object.fromEntries(want.packages.map((p) => [p, '1'])),
    installable: {},
    files: Object.fromEntries(want.files.map((f) => [f.path, { content: f.content, mode: f.mode, owner: 'root' }])),
    services: Object.fromEntries(want.services.map((u) => [u, { active: 'active', enabled: 'enabled', startedAt: '1' }])),
    pending: [],
    tempFiles: [],
    ...(kubeadm ? { kubeadm } : {}),
  };
}
const stepsOf = (plan: Plan, host: string, phase?: string): Step[] => plan.hosts.find((h) => h.host === host)!.steps.filter((s) => phase === undefined || s.phase === phase);

test('render: the first control-plane host runs init with init.yaml, the others join with join.yaml, at their own /readyz', () => {
  const runs = masters(rendered()).map((h) => [h.host, h.kubeadm?.action, h.kubeadm?.config, h.kubeadm?.readyz]);
  assert.deepEqual(runs, [
    ['master1', 'init', KUBEADM_INIT, 'https://10.77.0.21:6443/readyz'],
    ['master2', 'join', KUBEADM_JOIN, 'https://10.77.0.22:6443/readyz'],
    ['master3', 'join', KUBEADM_JOIN, 'https://10.77.0.23:6443/readyz'],
  ]);
  // Binary mode runs no kubeadm.
  assert.ok(!renderCluster(dedicatedSpec(), TEST_SECRETS).some((h) => h.kubeadm));
});

test('PKI in kubeadm mode: each master gets kubeha\'s CAs and the service-account pair (kubeadm issues the rest), LBs and workers nothing', () => {
  const spec = kubeadmSpec();
  for (const host of spec.hosts) {
    const ids = [...new Set(pkiLayout(spec, host).map((f) => f.id))].sort();
    if (host.roles.includes('control-plane')) assert.deepEqual(ids, ['ca', 'etcd/ca', 'front-proxy-ca', 'sa'], host.name);
    else assert.deepEqual(ids, [], host.name);
  }
  // Binary mode: the leaf certificates and kubeconfigs too.
  const binary = dedicatedSpec();
  assert.ok(pkiLayout(binary, binary.hosts.find((h) => h.name === 'master2')!).some((f) => f.id === 'hosts/master2/apiserver'));
});

test('a fresh cluster: init on the first master, each other master waits for it, joins, waits for its own apiserver', () => {
  const hosts = rendered();
  const plan = planCluster(hosts, new Map(hosts.map((h) => [h.host, seen(h)])));
  assert.ok(plan.phases.indexOf('kubeadm') > plan.phases.indexOf('files'), 'kubeadm runs after the files (configs, CAs) are in place');
  assert.deepEqual(stepsOf(plan, 'master1', 'kubeadm').map((s) => s.id), ['kubeadm:init', 'kubeadm:wait-ready']);
  const join = stepsOf(plan, 'master2', 'kubeadm');
  assert.deepEqual(join.map((s) => s.id), ['kubeadm:wait-init', 'kubeadm:join', 'kubeadm:wait-ready']);
  assert.deepEqual(join[0]?.kind === 'wait' ? join[0].check : undefined, { type: 'https-ok', urls: ['https://10.77.0.21:6443/readyz'] });
  assert.deepEqual(join[2]?.kind === 'wait' ? join[2].check : undefined, { type: 'https-ok', urls: ['https://10.77.0.22:6443/readyz'] });
  for (const h of ['lb0', 'lb1']) assert.deepEqual(stepsOf(plan, h, 'kubeadm'), [], h);
});

test('a rerun on a cluster kubeadm built plans nothing in the kubeadm phase (0 changes there, no wait)', () => {
  const hosts = rendered();
  const plan = planCluster(hosts, new Map(hosts.map((h) => [h.host, seen(h, h.kubeadm ? { ...READY, manifests: true, kubeletConf: true } : undefined)])));
  assert.equal(plan.changes, 0);
  assert.ok(plan.hosts.every((h) => h.steps.every((s) => s.phase !== 'kubeadm' && s.kind !== 'fail')));
});

test('preflight: no kubeadm, an older kubeadm, no kubelet, no runtime, an interrupted init each stop the host before anything changes', () => {
  const hosts = rendered();
  const m1 = hosts.find((h) => h.host === 'master1')!;
  const cases: [KubeadmObservation, string, RegExp][] = [
    [{ ...READY, version: undefined }, 'preflight:kubeadm', /kubeadm is not installed on master1/],
    [{ ...READY, version: 'v1.36.4' }, 'preflight:kubeadm-version', /older than the spec's kubernetes version v1\.37/],
    [{ ...READY, kubelet: false }, 'preflight:kubelet', /no kubelet on master1/],
    [{ ...READY, runtime: false }, 'preflight:container-runtime', /containerd\.sock does not exist/],
    [{ ...READY, manifests: true }, 'preflight:kubeadm-interrupted', /interrupted on master1/],
  ];
  for (const [obs, id, message] of cases) {
    const o = { ...obs };
    if (o.version === undefined) delete o.version;
    const plan = planCluster([m1], new Map([[m1.host, seen(m1, o)]]));
    const fail = stepsOf(plan, 'master1').find((s) => s.kind === 'fail');
    assert.equal(fail?.id, id, JSON.stringify(o));
    assert.match(fail?.kind === 'fail' ? fail.message : '', message);
    assert.ok(fail?.kind === 'fail' && fail.hint, 'a fix is named');
  }
  // A newer kubeadm installs an older control plane: no failure.
  const newer = planCluster([m1], new Map([[m1.host, seen(m1, { ...READY, version: 'v1.38.0' })]]));
  assert.ok(!stepsOf(newer, 'master1').some((s) => s.kind === 'fail'));
});

test('observe: the kubeadm section is asked only of kubeadm hosts and parsed', () => {
  const hosts = rendered();
  const m2 = hosts.find((h) => h.host === 'master2')!;
  assert.match(observeScript(m2), /kubeadm version -o short/);
  assert.doesNotMatch(observeScript(hosts.find((h) => h.host === 'lb0')!), /@@KUBEADM/);
  const out = ['@@ID 0', '@@PM apt', '@@KUBEADM', 'version v1.37.2', 'kubelet yes', 'runtime ', 'manifests yes', 'kubeletConf ', '@@PENDING', '@@TMP', '@@BUNDLE', '@@END'].join('\n');
  assert.deepEqual(parseObservation('master2', out).kubeadm, { version: 'v1.37.2', kubelet: true, runtime: false, manifests: true, kubeletConf: false });
  assert.equal(parseObservation('lb0', '@@ID 0\n@@PM apt\n@@END').kubeadm, undefined);
});

test('the bootstrap token is in no step kubeha prints: plan JSON without the secret files\' content, the kubeadm command, a failure\'s tail', () => {
  const hosts = rendered();
  const plan = planCluster(hosts, new Map(hosts.map((h) => [h.host, { ...seen(h), files: {} }])));
  assert.ok(plan.hosts.some((h) => h.steps.some((s) => s.kind === 'write-file' && s.content.includes(TOKEN))), 'the harness can fail: the token is in the config written');
  assert.doesNotMatch(JSON.stringify(planToJson(plan)), /abcdef/);
  assert.doesNotMatch(renderPlanText(plan), /abcdef/);
  assert.match(renderPlanText(plan), /kubeadm init --config/);
  for (const s of plan.hosts.flatMap((h) => h.steps)) if (s.kind === 'write-file' && s.content.includes(TOKEN)) assert.equal(s.secret, true, s.path);
  assert.doesNotMatch(kubeadmScript('init', KUBEADM_INIT), /abcdef/);
  assert.match(kubeadmScript('init', KUBEADM_INIT), /--skip-token-print/);
  assert.equal(maskTokens(`kubeadm join 10.0.0.1:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:x`), 'kubeadm join 10.0.0.1:6443 --token <bootstrap-token> --discovery-token-ca-cert-hash sha256:x');
});

/** Simulated masters: the first apiserver answers once kubeadm init ran; joins are logged to find overlaps. */
class SimKubeadm {
  initDone = false;
  readonly order: string[] = [];
  readonly violations: string[] = [];
  private joining = 0;
  host(name: string): RemoteHost {
    const exec = async (command: string): Promise<ExecResult> => {
      await new Promise((r) => setTimeout(r, 3));
      const written = [...command.matchAll(/^echo (kubeha-file-done=\d+)$/gm)].map((m) => m[1]!);
      if (written.length > 0) return ok(written.join('\n') + '\n');
      if (/kubeadm init /.test(command)) {
        this.order.push(`${name} init`);
        await new Promise((r) => setTimeout(r, 20));
        this.initDone = true;
        return ok('ok');
      }
      if (/kubeadm join /.test(command)) {
        if (!this.initDone) this.violations.push(`${name} joined before init was done`);
        if (this.joining > 0) this.violations.push(`${name} joined while another join ran`);
        this.joining++;
        this.order.push(`${name} join`);
        await new Promise((r) => setTimeout(r, 20));
        this.joining--;
        return ok('ok');
      }
      if (command.includes('/readyz')) {
        for (let i = 0; i < 300 && !this.initDone; i++) await new Promise((r) => setTimeout(r, 10));
        return this.initDone ? ok('ok') : { stdout: '', stderr: 'connection refused', exitCode: 1, signal: undefined };
      }
      return ok('');
    };
    return { name, exec, run: async (c: string) => (await exec(c)).stdout };
  }
}
const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', exitCode: 0, signal: undefined });

for (const parallel of [8, 1])
  test(`apply, --parallel ${parallel}: init first, then the joins one at a time`, async () => {
    const hosts = masters(rendered());
    const plan = planCluster(hosts, new Map(hosts.map((h) => [h.host, seen(h)])));
    const sim = new SimKubeadm();
    const events: ApplyEvent[] = [];
    const result = await runPlan(plan, { parallel, hostFor: (n) => sim.host(n), emit: (e) => events.push(e) });
    assert.equal(result.ok, true, JSON.stringify(events.filter((e) => e.type === 'step-failed')));
    assert.deepEqual(sim.violations, []);
    assert.equal(sim.order[0], 'master1 init');
    assert.deepEqual(sim.order.slice(1).sort(), ['master2 join', 'master3 join']);
  });
