import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { dirFileSource } from '../../src/cli/dir-source.js';
import { memoryFileSource, type FileSource } from '../../src/parse/file-source.js';
import { readCleanManifest, readManifest, readManifestWithPositions } from '../../src/parse/mirror-manifest.js';
import { DiagnosticSink } from '../../src/parse/sink.js';

/**
 * readManifest reads a clean manifest with js-yaml (readCleanManifest) and anything else with eemeli/yaml's
 * positioned path. The fast path may only ever answer what the positioned path answers with no diagnostic at all.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

function manifestsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...manifestsUnder(p));
    else if (name === 'hosts.yaml') out.push(p);
  }
  return out;
}

function positioned(fs: FileSource): { manifest: ReturnType<typeof readManifestWithPositions>; codes: string[] } {
  const sink = new DiagnosticSink();
  const manifest = readManifestWithPositions(fs, '/hosts.yaml', sink);
  return { manifest, codes: sink.diagnostics.map((d) => d.code) };
}

/** The fast path agrees with the positioned path whenever it answers; returns whether it answered. */
function agree(fs: FileSource, label: string): boolean {
  const text = fs.readFile('/hosts.yaml') ?? '';
  const fast = readCleanManifest(fs, '/hosts.yaml', text);
  const slow = positioned(fs);
  if (fast === undefined) return false;
  assert.deepEqual(slow.codes, [], `${label}: the fast path answered where the positioned path says ${slow.codes.join(', ')}`);
  assert.deepEqual(fast, slow.manifest, label);
  return true;
}

const ETC_HOSTS = (name: string, address: string): string => `127.0.0.1 localhost\n${address} ${name}\n`;

describe('mirror manifest: fast and positioned paths', () => {
  test('every manifest under test/fixtures: the fast path answers exactly when the positioned path is silent, with the same manifest', () => {
    const files = manifestsUnder(FIXTURES);
    assert.ok(files.length >= 10, `found ${files.length} manifests`);
    let fastCount = 0;
    for (const file of files) {
      const fs = dirFileSource(dirname(file));
      const answered = agree(fs, file);
      const silent = positioned(fs).codes.length === 0;
      assert.equal(answered, silent, `${file}: fast ${answered}, positioned silent ${silent}`);
      if (answered) fastCount++;
    }
    assert.ok(fastCount > 0);
  });

  const clean: [string, string, Record<string, string>?][] = [
    ['address endpoint', 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: a, address: 10.0.0.1, apiserver: true}\n  - {name: b, address: 10.0.0.2, apiserver: 8443}\n'],
    ['IPv6 endpoint and host', 'endpoint: "[fd00::10]:6443"\nhosts:\n  - {name: a, address: "fd00::1"}\n'],
    ['name endpoint resolved by the hosts files, and a domain', 'endpoint: api.k8s:6443\ndomain: api.example.internal\nhosts:\n  - {name: a, address: 10.0.0.1}\n', { '/a/etc/hosts': ETC_HOSTS('api.k8s', '10.0.0.100') }],
    [
      'external LB with hairpin, health check and both backend forms',
      'endpoint: 10.0.0.5:6443\nexternalLb:\n  address: 10.0.0.5\n  port: 6443\n  hairpin: true\n  healthCheck: false\n  backends: [10.0.0.1:6443, {address: 10.0.0.2, port: 6443}]\nhosts:\n  - {name: a, address: 10.0.0.1}\n',
    ],
    ['numbers spelled in YAML 1.2 core forms (hex, octal, exponent)', 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: a, address: 10.0.0.1, apiserver: 0x1923}\n  - {name: b, address: 10.0.0.2, apiserver: 0o14443}\n  - {name: c, address: 10.0.0.3, apiserver: 0.6443e4}\n'],
    ['quoted values and a comment', '# mirror\nendpoint: "10.0.0.10:6443"\nhosts:\n  - name: "a"\n    address: \'10.0.0.1\'\n    extra: ignored\n'],
  ];
  for (const [label, yaml, extra] of clean) {
    test(`clean, taken by the fast path: ${label}`, () => {
      const fs = memoryFileSource({ '/hosts.yaml': yaml, ...extra });
      assert.equal(agree(fs, label), true);
      const sink = new DiagnosticSink();
      assert.deepEqual(readManifest(fs, '/hosts.yaml', sink), positioned(fs).manifest);
      assert.deepEqual(sink.diagnostics, []);
    });
  }

  const off: [string, string, Record<string, string>?][] = [
    ['YAML syntax error', 'endpoint: [10.0.0.10\nhosts: x\n'],
    ['not a mapping', '- a\n'],
    ['empty document', ''],
    ['unknown key (a warning)', 'endpoint: 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1}]\nextra: 1\n'],
    ['duplicate key', 'endpoint: 10.0.0.10:6443\nendpoint: 10.0.0.11:6443\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['an alias', 'endpoint: &e 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1}]\nx: *e\n'],
    ['a merge key', 'endpoint: 10.0.0.10:6443\nhosts:\n  - <<: {address: 10.0.0.1}\n    name: a\n'],
    ['a tag', 'endpoint: !!str 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['two documents', 'endpoint: 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1}]\n---\nx: 1\n'],
    ['endpoint without port', 'endpoint: 10.0.0.10\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['bad host name', 'endpoint: 10.0.0.10:6443\nhosts: [{name: "x/y", address: 10.0.0.1}]\n'],
    ['host name not a string', 'endpoint: 10.0.0.10:6443\nhosts: [{name: 12, address: 10.0.0.1}]\n'],
    ['duplicate address', 'endpoint: 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.1}]\n'],
    ['apiserver empty', 'endpoint: 10.0.0.10:6443\nhosts:\n  - name: a\n    address: 10.0.0.1\n    apiserver:\n'],
    ['apiserver out of range', 'endpoint: 10.0.0.10:6443\nhosts: [{name: a, address: 10.0.0.1, apiserver: 70000}]\n'],
    ['no hosts list', 'endpoint: 10.0.0.10:6443\nhosts: a\n'],
    ['empty domain', 'endpoint: 10.0.0.10:6443\ndomain:\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['unresolved endpoint name', 'endpoint: api.k8s:6443\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    [
      'endpoint name resolved differently per host (a warning)',
      'endpoint: api.k8s:6443\nhosts: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2}]\n',
      { '/a/etc/hosts': ETC_HOSTS('api.k8s', '10.0.0.100'), '/b/etc/hosts': ETC_HOSTS('api.k8s', '10.0.0.101') },
    ],
    ['external LB without hairpin (an info)', 'endpoint: 10.0.0.5:6443\nexternalLb: {address: 10.0.0.5, port: 6443, backends: [10.0.0.1:6443]}\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['external LB port as a string', 'endpoint: 10.0.0.5:6443\nexternalLb: {address: 10.0.0.5, port: "6443", hairpin: false, backends: []}\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['external LB bad backend', 'endpoint: 10.0.0.5:6443\nexternalLb: {address: 10.0.0.5, port: 6443, hairpin: false, backends: [nope]}\nhosts: [{name: a, address: 10.0.0.1}]\n'],
    ['YAML 1.1 spellings that are strings in 1.2 (binary, underscores)', 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: a, address: 10.0.0.1, apiserver: 0b11}\n  - {name: b, address: 10.0.0.2, apiserver: 6_443}\n'],
    ['a host name that YAML reads as a boolean (the positioned path takes it as "true")', 'endpoint: 10.0.0.10:6443\nhosts: [{name: True, address: 10.0.0.1}]\n'],
    ['a tab on its own line', 'endpoint: 10.0.0.10:6443\n\t\nhosts: [{name: a, address: 10.0.0.1}]\n'],
  ];
  for (const [label, yaml, extra] of off) {
    test(`off, left to the positioned path: ${label}`, () => {
      const fs = memoryFileSource({ '/hosts.yaml': yaml, ...extra });
      assert.equal(readCleanManifest(fs, '/hosts.yaml', yaml), undefined);
      // readManifest then gives what the positioned path gives, diagnostics included.
      const sink = new DiagnosticSink();
      const got = readManifest(fs, '/hosts.yaml', sink);
      const slow = positioned(fs);
      assert.deepEqual(got, slow.manifest);
      assert.deepEqual(
        sink.diagnostics.map((d) => d.code),
        slow.codes,
      );
    });
  }
});
