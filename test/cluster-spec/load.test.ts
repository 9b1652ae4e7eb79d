import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderDiagnostic } from '../../src/diag/render.js';
import { exampleSpec } from '../../src/cluster-spec/examples.js';
import { formatPath, parseSpec } from '../../src/cluster-spec/load.js';

const BASE = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: load
hosts:
  - name: lb0
    address: 10.77.0.11
    roles: [loadbalancer]
  - name: lb1
    address: 10.77.0.12
    roles: [loadbalancer]
  - name: master1
    address: 10.77.0.21
    roles: [control-plane, etcd]
  - name: master2
    address: 10.77.0.22
    roles: [control-plane, etcd]
  - name: master3
    address: 10.77.0.23
    roles: [control-plane, etcd]
loadBalancer:
  mode: keepalived-haproxy
  vip: 10.77.0.10
`;

function first(text: string): ReturnType<typeof parseSpec>['diagnostics'][number] {
  const d = parseSpec(text, 'c.yaml').diagnostics[0];
  assert.ok(d, 'expected a diagnostic');
  return d;
}

describe('parseSpec', () => {
  it('a valid spec gives spec + input and no diagnostic', () => {
    const r = parseSpec(BASE, 'c.yaml');
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.spec?.name, 'load');
    assert.equal(r.input?.metadata.name, 'load');
  });

  it('every diagnostic carries the file name, a position, an excerpt and a hint', () => {
    const d = first(BASE.replace('address: 10.77.0.22', 'address: 10.77.0.21'));
    assert.equal(d.file, 'c.yaml');
    assert.equal(d.code, 'SPEC_DUPLICATE_ADDRESS');
    assert.deepEqual([d.line, d.col, d.length], [16, 14, 10]);
    assert.equal(d.excerpt, '    address: 10.77.0.21');
    assert.ok(d.hint);
  });

  it('a defaulted service range holding the hosts and the VIP: the errors point at the VIP and the first such host, not at the top of the file', () => {
    // 10.96.0.0/12 is the default serviceCIDR; the file does not write it.
    const ds = parseSpec(BASE.replaceAll('10.77.0.', '10.97.0.'), 'c.yaml').diagnostics.filter((d) => d.code === 'SPEC_CIDR_OVERLAP');
    assert.deepEqual(
      ds.map((d) => [d.line, d.col, d.excerpt]),
      [
        [7, 14, '    address: 10.97.0.11'],
        [23, 8, '  vip: 10.97.0.10'],
      ],
    );
  });

  describe('YAML as people write it: anchors and merge keys, CRLF, a byte-order mark', () => {
    const merged = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: load
x-control-plane: &cp
  roles: [control-plane, etcd]
hosts:
  - name: lb0
    address: 10.77.0.11
    roles: [loadbalancer]
  - name: lb1
    address: 10.77.0.12
    roles: [loadbalancer]
  - <<: *cp
    name: master1
    address: 10.77.0.21
  - <<: *cp
    name: master2
    address: 10.77.0.22
  - name: master3
    address: 10.77.0.23
    <<: *cp
loadBalancer:
  mode: keepalived-haproxy
  vip: 10.77.0.10
`;
    it('<<: *anchor merges, an x- top-level key holds the anchor: same spec as written out', () => {
      const r = parseSpec(merged, 'c.yaml');
      assert.deepEqual(r.diagnostics, []);
      assert.deepEqual(r.spec, parseSpec(BASE, 'c.yaml').spec);
    });

    it('a key written next to the merge wins over the merged one', () => {
      const r = parseSpec(merged.replace('    name: master2\n', '    name: master2\n    roles: [control-plane, etcd, worker]\n'), 'c.yaml');
      assert.deepEqual(r.spec?.hosts.find((h) => h.name === 'master2')?.roles, ['control-plane', 'etcd', 'worker']);
    });

    it('only x- keys are free: another unknown top-level key is still an error whose hint mentions x-', () => {
      const d = first(merged.replace('x-control-plane', 'defaults'));
      assert.equal(d.code, 'SPEC_UNKNOWN_KEY');
      assert.match(d.hint ?? '', /start with x-/);
    });

    it('CRLF line endings and a UTF-8 BOM (stripped by the shell) parse like LF', () => {
      assert.deepEqual(parseSpec(BASE.replace(/\n/g, '\r\n'), 'c.yaml').spec, parseSpec(BASE, 'c.yaml').spec);
      const d = first(BASE.replace(/\n/g, '\r\n').replace('address: 10.77.0.22', 'address: 10.77.0.21'));
      assert.deepEqual([d.code, d.line, d.col], ['SPEC_DUPLICATE_ADDRESS', 16, 14]);
      assert.equal(d.excerpt, '    address: 10.77.0.21');
    });
  });

  describe('stage 1: YAML syntax', () => {
    it('thousands of nested brackets: "nested too deeply", not a stack overflow message', () => {
      const d = first(`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
      assert.equal(d.code, 'SPEC_YAML_SYNTAX');
      assert.match(d.message, /nested too deeply/);
    });

    it('tabs in indentation', () => {
      const d = first(BASE.replace('    address: 10.77.0.12', '\taddress: 10.77.0.12'));
      assert.equal(d.code, 'SPEC_YAML_TAB_INDENT');
      assert.equal(d.line, 10);
      assert.equal(d.col, 1);
    });

    it('a duplicate key names the key and points at the second one', () => {
      const d = first(BASE + '  vip: 10.77.0.9\n');
      assert.equal(d.code, 'SPEC_YAML_DUPLICATE_KEY');
      assert.match(d.message, /"vip"/);
      assert.deepEqual([d.line, d.col, d.length], [24, 3, 3]);
    });

    it('an unclosed flow sequence', () => {
      assert.equal(first(BASE.replace('roles: [loadbalancer]', 'roles: [loadbalancer')).code, 'SPEC_YAML_SYNTAX');
    });

    it('two documents', () => {
      const d = first(BASE + '---\n' + BASE);
      assert.equal(d.code, 'SPEC_YAML_MULTIPLE_DOCUMENTS');
      assert.equal(d.line, 24);
    });

    it('an alias without anchor', () => {
      assert.equal(first(BASE.replace('vip: 10.77.0.10', 'vip: *nope')).code, 'SPEC_YAML_ALIAS');
    });

    it('an alias bomb is refused, not expanded', () => {
      const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 8; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
      assert.equal(first(bomb.join('\n') + '\n').code, 'SPEC_YAML_ALIAS');
    });

    it('empty and comment-only texts', () => {
      assert.equal(first('').code, 'SPEC_EMPTY');
      assert.equal(first('# nothing yet\n\n').code, 'SPEC_EMPTY');
      assert.equal(first('---\n').code, 'SPEC_EMPTY');
    });

    it('the schema is not checked when the YAML is broken', () => {
      const r = parseSpec('apiVersion: x\nkind: [\n', 'c.yaml');
      assert.ok(r.diagnostics.every((d) => d.code.startsWith('SPEC_YAML')));
      assert.equal(r.input, undefined);
    });
  });

  describe('stage 2: schema, mapped back to the YAML node', () => {
    it('an unknown key points at the key, with did-you-mean', () => {
      const d = first(BASE.replace('    address: 10.77.0.22', '    adress: 10.77.0.22\n    address: 10.77.0.22'));
      assert.equal(d.code, 'SPEC_UNKNOWN_KEY');
      assert.deepEqual([d.line, d.col, d.length], [16, 5, 6]);
      assert.match(d.hint ?? '', /did you mean "address"/);
      assert.equal(d.host, 'master2');
    });

    it('a misspelt required key is one diagnostic (the typo), not also "missing required field"', () => {
      for (const [good, bad] of [
        ['hosts:', 'hostz:'],
        ['loadBalancer:', 'loadBalencer:'],
        ['  mode: keepalived', '  mdoe: keepalived'],
      ] as const) {
        const ds = parseSpec(BASE.replace(good, bad), 'c.yaml').diagnostics;
        assert.deepEqual(
          ds.map((d) => d.code),
          ['SPEC_UNKNOWN_KEY'],
          `${bad}: ${ds.map((d) => d.message).join('; ')}`,
        );
        assert.match(ds[0]?.hint ?? '', /did you mean/);
      }
      // A missing enum field says "missing", not "undefined is not one of".
      const mode = parseSpec(BASE.replace('  mode: keepalived-haproxy\n', ''), 'c.yaml').diagnostics;
      assert.deepEqual(mode.map((d) => [d.code, d.message]), [['SPEC_MISSING_FIELD', 'missing required field "mode" in loadBalancer']]);
      assert.match(mode[0]?.hint ?? '', /one of keepalived-haproxy, stacked, external/);
      // A key that is simply missing (no typo nearby) is still reported as missing.
      const missing = parseSpec(BASE.replace('loadBalancer:', 'somethingElse:'), 'c.yaml').diagnostics.map((d) => d.code);
      assert.deepEqual(missing.sort(), ['SPEC_MISSING_FIELD', 'SPEC_UNKNOWN_KEY']);
    });

    it('a password under an unknown key is not echoed in the excerpt', () => {
      const d = first(BASE + '  auth_pass: hunter22\n');
      assert.equal(d.code, 'SPEC_UNKNOWN_KEY');
      assert.doesNotMatch(d.excerpt ?? '', /hunter22/);
      assert.match(d.excerpt ?? '', /auth_pass/);
    });

    it('an unknown key without a close match lists the allowed keys', () => {
      const d = first(BASE + 'frobnicate: true\n');
      assert.match(d.hint ?? '', /allowed keys here: apiVersion, kind, metadata/);
    });

    it('a wrong type says expected vs got, at the value', () => {
      const d = first(BASE + '  port: "6443"\n');
      assert.equal(d.code, 'SPEC_WRONG_TYPE');
      assert.match(d.message, /loadBalancer\.port: expected a number, got the string "6443"/);
      assert.match(d.hint ?? '', /remove the quotes/);
      assert.deepEqual([d.line, d.col, d.length], [24, 9, 6]);
    });

    it('an empty value points at its key', () => {
      const d = first(BASE + 'controlPlane:\n  endpoint:\n');
      assert.equal(d.code, 'SPEC_WRONG_TYPE');
      assert.deepEqual([d.line, d.col, d.length], [25, 3, 8]);
    });

    it('type hints quote what the user wrote (1.30 read as 1.3) and explain yes/no', () => {
      const v = first(BASE + 'controlPlane:\n  version: 1.30\n');
      assert.equal(v.code, 'SPEC_WRONG_TYPE');
      assert.match(v.hint ?? '', /quote it: "1\.30"/);
      const b = first(BASE + '  unicast: yes\n');
      assert.match(b.hint ?? '', /write true/);
    });

    it('a list where a mapping is expected points at its key', () => {
      const d = first(BASE + 'controlPlane:\n  - version: v1.30.4\n');
      assert.equal(d.code, 'SPEC_WRONG_TYPE');
      assert.match(d.message, /expected a mapping.*got a list/);
      assert.deepEqual([d.line, d.col], [24, 1]);
    });

    it('a missing field points at the entry that lacks it', () => {
      const d = first(BASE.replace('    address: 10.77.0.23\n', ''));
      assert.equal(d.code, 'SPEC_MISSING_FIELD');
      assert.match(d.message, /"address" in hosts\[4\]/);
      assert.deepEqual([d.line, d.col], [18, 5]);
    });

    it('a missing top-level section points at line 1', () => {
      const d = first(BASE.slice(0, BASE.indexOf('loadBalancer:')));
      assert.equal(d.code, 'SPEC_MISSING_FIELD');
      assert.match(d.message, /"loadBalancer" in the spec/);
      assert.equal(d.line, 1);
    });

    it('apiVersion, kind, enum, range, duration, name and version have their own codes', () => {
      assert.equal(first(BASE.replace('kubeha.io/v1alpha1', 'v1')).code, 'SPEC_BAD_API_VERSION');
      assert.equal(first(BASE.replace('kind: Cluster', 'kind: Pod')).code, 'SPEC_BAD_KIND');
      const mode = first(BASE.replace('mode: keepalived-haproxy', 'mode: stacke'));
      assert.equal(mode.code, 'SPEC_INVALID_VALUE');
      assert.match(mode.hint ?? '', /did you mean "stacked"/);
      assert.equal(first(BASE + '  port: 65536\n').code, 'SPEC_PORT_OUT_OF_RANGE');
      assert.equal(first(BASE + '  port: 0\n').code, 'SPEC_PORT_OUT_OF_RANGE');
      assert.equal(first(BASE + '  timeouts: {tunnel: 4hours}\n').code, 'SPEC_BAD_DURATION');
      assert.equal(first(BASE.replace('name: lb1', 'name: LB_1')).code, 'SPEC_BAD_NAME');
      assert.equal(first(BASE + 'controlPlane: {version: "1.30-rc"}\n').code, 'SPEC_BAD_VERSION');
      assert.equal(first(BASE + '  vrrpVersion: 4\n').code, 'SPEC_INVALID_VALUE');
      assert.equal(first(BASE.replace(/hosts:[\s\S]*loadBalancer:/, 'hosts: []\nloadBalancer:')).code, 'SPEC_NO_HOSTS');
    });

    it('a value in a flow mapping is located inside the line', () => {
      const d = first(BASE + '  healthCheck: {path: /readyz, inter: soon}\n');
      assert.equal(d.code, 'SPEC_BAD_DURATION');
      assert.deepEqual([d.line, d.col, d.length], [24, 39, 4]);
    });

    it('rules are not run on a spec the schema rejected', () => {
      const r = parseSpec(BASE.replace('address: 10.77.0.22', 'address: 10.77.0.21').replace('kind: Cluster', 'kind: X'), 'c.yaml');
      assert.deepEqual(
        r.diagnostics.map((d) => d.code),
        ['SPEC_BAD_KIND'],
      );
    });
  });

  describe('stages 3 and 4: defaults then rules', () => {
    it('warnings keep the spec; errors drop it but keep the input', () => {
      const warn = parseSpec(BASE.replace(/ {2}- name: lb1\n.*\n.*\n/, ''), 'c.yaml');
      assert.deepEqual(
        warn.diagnostics.map((d) => [d.code, d.severity]),
        [['SPEC_SINGLE_LB_HOST', 'warning']],
      );
      assert.ok(warn.spec);
      const err = parseSpec(BASE.replace('vip: 10.77.0.10', 'vip: 10.77.0.11'), 'c.yaml');
      assert.equal(err.spec, undefined);
      assert.ok(err.input);
    });

    it('errors come before warnings', () => {
      const r = parseSpec(BASE.replace(/ {2}- name: lb1\n.*\n.*\n/, '').replace('roles: [control-plane, etcd]', 'roles: [control-plane, etcd, wizard]'), 'c.yaml');
      assert.deepEqual(
        r.diagnostics.map((d) => d.severity),
        ['error', 'warning'],
      );
    });

    it('a rule finding on a defaulted value points at the section that chose it', () => {
      // Stacked with apiserverPort 8443 = the stacked LB default: nothing written at loadBalancer.port.
      const text = exampleSpec('stacked').replace('  port: 8443 ', '  # port: 8443').replace('  endpoint:\n', '').replace('    port: 8443', '    # port').replace('apiserverPort: 6443', 'apiserverPort: 8443');
      const d = parseSpec(text, 's.yaml').diagnostics.find((x) => x.code === 'SPEC_LB_PORT_CONFLICTS_APISERVER');
      assert.ok(d, JSON.stringify(parseSpec(text, 's.yaml').diagnostics.map((x) => x.code)));
      assert.match(d.excerpt ?? '', /apiserverPort: 8443/);
    });

    it('renders as file:line:col: error[CODE]: message + caret + hint', () => {
      const d = first(BASE.replace('roles: [loadbalancer]', 'roles: [loadbalancr]'));
      assert.equal(
        renderDiagnostic(d),
        [
          'c.yaml:8:13: error[SPEC_UNKNOWN_ROLE]: unknown role "loadbalancr" on host "lb0"',
          '  |',
          '8 |     roles: [loadbalancr]',
          '  |             ^^^^^^^^^^^',
          '  = hint: did you mean "loadbalancer"? roles are loadbalancer, control-plane, etcd, worker',
        ].join('\n'),
      );
    });
  });

  it('formatPath', () => {
    assert.equal(formatPath(['hosts', 2, 'ssh', 'port']), 'hosts[2].ssh.port');
    assert.equal(formatPath([]), 'the spec');
  });

  it('never throws on mutated examples; every diagnostic has a position inside the text and a hint', () => {
    const text = exampleSpec('dedicated-lb');
    const lines = text.split('\n').length;
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(40), fc.string({ maxLength: 6 }), (at, cut, insert) => {
        const mutated = text.slice(0, at) + insert + text.slice(at + cut);
        const r = parseSpec(mutated, 'm.yaml');
        for (const d of r.diagnostics) {
          assert.ok(d.hint, d.code);
          assert.ok(d.line !== undefined && d.line >= 1 && d.line <= lines + 6, `${d.code} line ${d.line}`);
          assert.ok(d.col !== undefined && d.col >= 1, d.code);
        }
        if (r.spec) assert.ok(!r.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever the text', () => {
    for (const t of ['{', ']', ': :', '- - -', '!!binary AAAA', '? a\n: b', 'a: !!int x', '\u0000', '%YAML 9.9\n---\na: 1', 'a: [' + '['.repeat(500)]) {
      const r = parseSpec(t, 'x.yaml');
      assert.ok(r.diagnostics.length > 0, t);
    }
  });
});
