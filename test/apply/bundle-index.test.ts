import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bundleSubset, indexId, packagesIndexText, parsePackagesIndex } from '../../src/apply/bundle-index.js';
import { planHost } from '../../src/apply/plan.js';
import type { ObservedHost, Step } from '../../src/apply/types.js';
import type { RenderedHost } from '../../src/render/types.js';

/** An abbreviated copy of a real `kubeha bundle` index (bookworm), plus one package that needs a virtual package. */
const INDEX_TEXT = readFileSync(new URL('../fixtures/apply/bundle-Packages', import.meta.url), 'utf8');
const INDEX = parsePackagesIndex(INDEX_TEXT);
const names = (pkgs: { name: string }[]): string[] => pkgs.map((p) => p.name).sort();

describe('bundle index', () => {
  it('parses stanzas: continuation lines, Pre-Depends with Depends, alternatives, versions and arch qualifiers dropped', () => {
    assert.equal(INDEX.length, 18);
    const keepalived = INDEX.find((p) => p.name === 'keepalived');
    assert.deepEqual(keepalived?.depends, [['libc6'], ['libsnmp40'], ['libnl-3-200'], ['libnl-genl-3-200'], ['iproute2']]);
    assert.equal(keepalived?.filename, './keepalived_1%3a2.2.7-1+b2_amd64.deb');
    assert.deepEqual(INDEX.find((p) => p.name === 'haproxy')?.depends.slice(0, 2), [['dpkg'], ['init-system-helpers']]);
    assert.deepEqual(INDEX.find((p) => p.name === 'iptables')?.depends[1], ['libnftnl11', 'libnftnl-legacy']);
    assert.deepEqual(INDEX.find((p) => p.name === 'perl-modules-5.36')?.provides, ['libpod-usage-perl']);
    assert.equal(parsePackagesIndex('Package: x\nVersion: 1\n\nFilename: ./y.deb\n').length, 0, 'a stanza needs a name and a file');
  });

  it('a Kubernetes node gets the closure of its packages only, not keepalived and its Perl/SNMP libraries', () => {
    const node = bundleSubset(INDEX, ['conntrack', 'iptables', 'socat']);
    assert.deepEqual(names(node.packages), ['conntrack', 'iptables', 'libip6tc2', 'libnetfilter-conntrack3', 'libnfnetlink0', 'libnftnl11', 'netbase']);
    const lb = bundleSubset(INDEX, ['haproxy', 'keepalived']);
    assert.deepEqual(names(lb.packages), ['haproxy', 'keepalived', 'liblua5.3-0', 'libnl-3-200', 'libnl-genl-3-200', 'libperl5.36', 'libsnmp-base', 'libsnmp40', 'perl-base', 'perl-modules-5.36']);
    assert.ok(node.bytes < lb.bytes / 10, `node ${node.bytes} B vs LB ${lb.bytes} B`);
    assert.equal(lb.bytes, lb.packages.reduce((n, p) => n + p.size, 0));
  });

  it('follows virtual packages to their provider, takes the first alternative the bundle holds, stops on cycles', () => {
    assert.deepEqual(names(bundleSubset(INDEX, ['needs-virtual']).packages), ['needs-virtual', 'perl-base', 'perl-modules-5.36']);
    const cyc = parsePackagesIndex('Package: a\nDepends: b\nFilename: ./a.deb\n\nPackage: b\nDepends: a | c\nFilename: ./b.deb\n\nPackage: c\nFilename: ./c.deb\n');
    assert.deepEqual(names(bundleSubset(cyc, ['a']).packages), ['a', 'b']);
  });

  it('the subset id depends on its index only: same packages, same id; any other set, another id', () => {
    const a = bundleSubset(INDEX, ['conntrack', 'iptables']);
    assert.equal(a.id, bundleSubset(INDEX, ['iptables', 'conntrack', 'iptables']).id);
    assert.equal(a.id, indexId(packagesIndexText(a.packages)));
    assert.notEqual(a.id, bundleSubset(INDEX, ['conntrack']).id);
    assert.match(a.id, /^[0-9a-f]{16}$/);
    // The host's own index parses back to the same packages.
    assert.deepEqual(names(parsePackagesIndex(packagesIndexText(a.packages))), names(a.packages));
  });

  it('the plan sends each host its own share, and nothing when the host already has that share', () => {
    const host = (name: string, packages: string[]): RenderedHost => ({ host: name, address: '10.0.0.1', packages, services: [], files: [] });
    const seen = (name: string, bundleId?: string): ObservedHost => ({
      host: name,
      packageManager: 'apt',
      os: 'Debian GNU/Linux 12 (bookworm)',
      installed: {},
      installable: {},
      files: {},
      services: {},
      pending: [],
      tempFiles: [],
      ...(bundleId ? { bundleId } : {}),
    });
    const bundle = { id: 'whole', packages: INDEX.map((p) => p.name), index: INDEX };
    const upload = (steps: Step[]): Extract<Step, { kind: 'upload-bundle' }> | undefined => steps.find((s): s is Extract<Step, { kind: 'upload-bundle' }> => s.kind === 'upload-bundle');
    const w1 = upload(planHost(host('w1', ['conntrack', 'iptables']), seen('w1'), { bundle }).steps);
    const w2 = upload(planHost(host('w2', ['conntrack', 'iptables']), seen('w2'), { bundle }).steps);
    const lb = upload(planHost(host('lb0', ['haproxy', 'keepalived']), seen('lb0'), { bundle }).steps);
    assert.ok(w1 && w2 && lb);
    assert.equal(w1.bundle.id, w2.bundle.id, 'hosts with the same packages share one tar');
    assert.notEqual(w1.bundle.id, lb.bundle.id);
    assert.ok(w1.bundle.files?.includes('./conntrack_1%3a1.4.7-1+b2_amd64.deb'));
    assert.ok(!w1.bundle.files?.some((f) => f.includes('keepalived')));
    assert.match(w1.title, /\(7 packages, 0\.\d MiB\)/);
    assert.equal(upload(planHost(host('w1', ['conntrack', 'iptables']), seen('w1', w1.bundle.id), { bundle }).steps), undefined, 'no second upload');
    // Without an index (a hand-made repository), the whole bundle goes, as before.
    const whole = upload(planHost(host('w1', ['conntrack']), seen('w1'), { bundle: { id: 'whole', packages: bundle.packages } }).steps);
    assert.deepEqual(whole?.bundle, { id: 'whole' });
  });
});
