/**
 * `npm run bench hostile`: the shapes of input that used to cost quadratic (or worse) time, each measured at two sizes
 * in this process (median of 3 runs, CPU time): the ratio between the sizes shows the growth order (×2 size: ≈2 is
 * linear, ≈4 quadratic). `check` of many keepalived hosts for one VIP runs at three sizes up to the bound (254): its
 * input grows with n² (each host lists every other as a unicast peer), so ≈2.2 for ×2 is as good as it gets.
 */
import { cpuUsage } from 'node:process';
import { analyzeSpec } from '../src/analyze/spec-analysis.js';
import { parseSpec } from '../src/cluster-spec/load.js';
import { maskExcerpt } from '../src/diag/secrets.js';
import { importAnsible } from '../src/interop/ansible/import.js';
import { importKubekey } from '../src/interop/kubekey/import.js';
import { memoryFileSource } from '../src/parse/file-source.js';
import { parseKeepalived } from '../src/parse/keepalived/index.js';
import { matchSegment } from '../src/parse/keepalived/glob.js';

interface Shape {
  name: string;
  unit: string;
  /** Two or more sizes, smallest first. */
  sizes: number[];
  /** Builds the input outside the timed part and returns the work to time. */
  prepare: (n: number) => () => unknown;
}

const SPEC_HEAD = 'apiVersion: kubeha.io/v1alpha1\nkind: Cluster\nmetadata: {name: x}\n';

function lbSpec(n: number): string {
  const lines = [SPEC_HEAD.trimEnd(), 'network:', '  hostCIDR: 10.77.0.0/16', 'loadBalancer:', '  mode: keepalived-haproxy', '  vip: 10.77.0.10', 'hosts:'];
  for (let i = 0; i < n; i++) lines.push(`  - {name: lb${i}, address: 10.77.1.${1 + i}, roles: [loadbalancer]}`);
  for (let i = 0; i < 3; i++) lines.push(`  - {name: m${i}, address: 10.77.0.${20 + i}, roles: [control-plane, etcd]}`);
  return lines.join('\n') + '\n';
}

const KK = `apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {name: x}
spec:
  hosts:
  - {name: m1, address: 10.0.0.11, internalAddress: 10.0.0.11}
  roleGroups:
    etcd: [m1]
    control-plane: [m1]
    worker: [%WORKERS%]
`;

const SHAPES: Shape[] = [
  { name: 'mask secrets in one line (`a: a: a: …`)', unit: 'chars', sizes: [100_000, 200_000], prepare: (n) => { const s = 'a: '.repeat(n / 3) + 'password: x'; return () => maskExcerpt(s); } },
  { name: 'mask secrets in one line (`a=a=a=…`)', unit: 'chars', sizes: [100_000, 200_000], prepare: (n) => { const s = 'a='.repeat(n / 2); return () => maskExcerpt(s); } },
  { name: 'spec with unknown keys', unit: 'keys', sizes: [10_000, 20_000], prepare: (n) => { const t = SPEC_HEAD + Array.from({ length: n }, (_, i) => `unknown${i}: ${i}`).join('\n'); return () => parseSpec(t, 'x.yaml'); } },
  { name: 'spec with duplicate keys', unit: 'keys', sizes: [10_000, 20_000], prepare: (n) => { const t = 'a: 1\n'.repeat(n); return () => parseSpec(t, 'x.yaml'); } },
  {
    name: 'check: keepalived hosts for one VIP (parse, rules, render, simulate)',
    unit: 'hosts',
    sizes: [32, 120, 240],
    prepare: (n) => {
      const text = lbSpec(n);
      return () => {
        const r = parseSpec(text, 'x.yaml');
        if (!r.spec) throw new Error(`lb spec: ${r.diagnostics[0]?.message ?? ''}`);
        return analyzeSpec(r.spec);
      };
    },
  },
  {
    name: 'keepalived include fan-out (each file includes the directory)',
    unit: 'files',
    sizes: [400, 800],
    prepare: (n) => {
      const files: Record<string, string> = { '/etc/keepalived/keepalived.conf': 'include d/*.conf\n' };
      for (let i = 0; i < n; i++) files[`/etc/keepalived/d/f${i}.conf`] = 'include ../d/*.conf\n';
      const fs = memoryFileSource(files);
      return () => parseKeepalived(fs, '/etc/keepalived/keepalived.conf');
    },
  },
  {
    name: 'keepalived `$` substitution warnings',
    unit: 'lines',
    sizes: [2_000, 4_000],
    prepare: (n) => {
      const text = '$A=${B}\n' + Array.from({ length: n }, (_, i) => `unknown_${i} $A \${A}`).join('\n') + '\n';
      const fs = memoryFileSource({ '/k.conf': text });
      return () => parseKeepalived(fs, '/k.conf');
    },
  },
  { name: 'glob `*a*a…*b` against a long name', unit: 'name chars', sizes: [2_000, 4_000], prepare: (n) => { const p = '*a'.repeat(30) + '*b'; const name = 'a'.repeat(n); return () => matchSegment(p, name); } },
  {
    name: 'ansible: nested child groups',
    unit: 'groups',
    sizes: [10_000, 20_000],
    prepare: (n) => {
      const out = [`[g${n}]`, 'm1 ansible_host=10.0.0.11'];
      for (let i = 0; i < n; i++) out.push(`[g${i}:children]`, `g${i + 1}`);
      out.push('[kube_control_plane:children]', 'g0', '[etcd:children]', 'g0');
      const t = out.join('\n') + '\n';
      return () => importAnsible(t, 'hosts.ini');
    },
  },
  {
    name: 'ansible: unknown child groups',
    unit: 'groups',
    sizes: [10_000, 20_000],
    prepare: (n) => {
      const out = ['[kube_control_plane]', 'm1 ansible_host=10.0.0.11', '[k8s:children]'];
      for (let i = 0; i < n; i++) out.push(`grp${i}`);
      const t = out.join('\n') + '\n';
      return () => importAnsible(t, 'hosts.ini');
    },
  },
  { name: 'ansible: one host range', unit: 'hosts', sizes: [5_000, 10_000], prepare: (n) => { const t = `[kube_control_plane]\nn[1:${n}]\n`; return () => importAnsible(t, 'hosts.ini'); } },
  {
    name: 'kubekey: roleGroups naming unknown hosts',
    unit: 'names',
    sizes: [10_000, 20_000],
    prepare: (n) => {
      const t = KK.replace('%WORKERS%', Array.from({ length: n }, (_, i) => `h${i}`).join(', '));
      return () => importKubekey(t, 'config.yaml');
    },
  },
];

function cpuMs(work: () => unknown): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = cpuUsage();
    work();
    const d = cpuUsage(t0);
    runs.push((d.user + d.system) / 1000);
  }
  return runs.sort((a, b) => a - b)[1] ?? NaN;
}

export function benchHostile(): Record<string, string> {
  const out: Record<string, string> = {};
  // One warm-up of each shape at its small size: the first call pays for compiling the code.
  for (const s of SHAPES) s.prepare(s.sizes[0] ?? 1)();
  for (const s of SHAPES) {
    const times = s.sizes.map((n) => cpuMs(s.prepare(n)));
    const parts = s.sizes.map((n, i) => {
      const t = times[i] ?? NaN;
      const prev = i > 0 ? (times[i - 1] ?? NaN) : NaN;
      const ratio = i > 0 ? ` (×${(t / prev).toFixed(2)} for ×${(n / (s.sizes[i - 1] ?? n)).toFixed(i > 0 && n % (s.sizes[i - 1] ?? 1) === 0 ? 0 : 2)} size)` : '';
      return `${n} ${s.unit} ${t.toFixed(1)} ms${ratio}`;
    });
    out[`hostile: ${s.name}`] = parts.join(' → ');
  }
  return out;
}
