import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { exampleSpec, TOPOLOGIES } from '../../src/cluster-spec/examples.js';
import { parseCleanSpecFast, parseSpec, parseSpecWithPositions } from '../../src/cluster-spec/load.js';

/**
 * parseSpec takes a position-less fast path for clean specs (js-yaml) and the positioned path (eemeli/yaml) for
 * everything else. These tests hold the two to the same answer: whenever the fast path answers, the positioned path
 * gives the same spec, the same input and no diagnostic.
 */
function assertAgree(text: string): 'fast' | 'positioned' {
  const fast = parseCleanSpecFast(text);
  const slow = parseSpecWithPositions(text, 'c.yaml');
  if (fast === undefined) return 'positioned';
  assert.deepEqual(slow.diagnostics, [], `the fast path accepted a text the positioned path reports on:\n${text}`);
  assert.deepEqual(fast.input, slow.input);
  assert.deepEqual(fast.spec, slow.spec);
  return 'fast';
}

const BAD = new URL('../fixtures/bad-input/', import.meta.url).pathname;

/** YAML 1.2 core-schema spellings where engines are known to differ (YAML 1.1 habits, signs, bases, separators). */
const TRICKY_SCALARS = [
  '1_000', '0b11', '0o17', '017', '+12', '-0', '.5', '+.5', '-.5', '1e3', '1.', '0x1F', '+0x1F', '.Inf', '-.inf', '.NaN',
  'True', 'TRUE', 'tRue', 'yes', 'no', 'on', 'off', 'y', '~', 'Null', 'NULL', '2001-12-14', '12:30', '190:20:30',
  '"6443"', "'10.77.0.10'", '10.77.0.10', '6443', '0x192', '1.5e+3', '12e03', '0.', '12e', 'v1.30.4', '"v1.30.4"',
  '!!str 6443', '!!int "6443"', '!!float 1', '!!bool true', '""', "''", '|\n    6443', '>-\n    10.77.0.10',
  '"a\\x41\\u00e9\\N\\_\\t"', "'it''s'", '"two\\\n      lines"', 'plain\n      continued', '>+\n      folded\n\n', '|2-\n        x', '"tab\there"',
] as const;

describe('parseSpec fast path', () => {
  it('answers for the example specs, with the same spec as the positioned path', () => {
    for (const t of TOPOLOGIES) assert.equal(assertAgree(exampleSpec(t)), 'fast', t);
  });

  it('parseSpec gives the same result either way on the examples', () => {
    for (const t of TOPOLOGIES) {
      const text = exampleSpec(t);
      assert.deepEqual(parseSpec(text, 'c.yaml'), parseSpecWithPositions(text, 'c.yaml'));
    }
  });

  it('never answers for a spec in the bad-input corpus (each must get its positioned diagnostic)', () => {
    let n = 0;
    for (const name of readdirSync(BAD)) {
      const path = join(BAD, name);
      // Not UTF-8 is refused while reading the file (src/cli/io.ts), before any YAML engine sees the text.
      if (name.startsWith('import-') || name === 'manifest.yaml' || name === 'non-utf8.yaml' || !name.endsWith('.yaml') || !statSync(path).isFile()) continue;
      const text = readFileSync(path, 'utf8');
      assert.equal(parseCleanSpecFast(text), undefined, name);
      n++;
    }
    assert.ok(n >= 40, `only ${n} spec inputs found`);
  });

  it('leaves aliases, merge keys, tags, directives, tabs, CRs, duplicate keys, several documents and non-mappings to the positioned path', () => {
    const base = exampleSpec('dedicated-lb');
    const cases = [
      `x-a: &n demo\nx-b: *n\n${base}`,
      `x-defaults: &d {roles: [worker]}\n${base}`.replace(/hosts:\n/, 'hosts:\n  - {<<: *d, name: w9, address: 10.77.0.99}\n'),
      `${base}kind: Cluster\n`,
      `${base}---\n${base}`,
      base.replace(/advertInt: [\d.]+/, 'advertInt: !!float 1'),
      `%YAML 1.1\n---\n${base}`,
      // Keys that are not strings: eemeli/yaml makes `~` "", js-yaml's objects would make it "null".
      base.replace(/(- name: master1[^\n]*\n)/, '$1    labels: {~: a, true: b, 1.0: c}\n'),
      base.replace(/(- name: master1[^\n]*\n)/, '$1    labels: {__proto__: x}\n'),
      `${base}\t`,
      base.replace('name: master2', 'name: master2\r'),
      base.replaceAll('\n', '\r\n'),
      '- a\n- b\n',
      '42\n',
      '',
    ];
    for (const c of cases) assert.equal(parseCleanSpecFast(c), undefined, c.slice(0, 80));
  });

  it('agrees with the positioned path on tricky scalar spellings in every field that takes a scalar', () => {
    const base = exampleSpec('dedicated-lb');
    // Every `key: value` line whose value is a plain scalar is a place to try a spelling.
    const slots = [...base.matchAll(/^(\s*(?:- )?[A-Za-z]+: )([^\s#[{'"|>][^#\n]*?)(\s+#.*)?$/gm)].map((m) => ({ at: (m.index ?? 0) + (m[1]?.length ?? 0), len: m[2]?.length ?? 0 }));
    assert.ok(slots.length >= 15, `only ${slots.length} scalar slots`);
    let fast = 0;
    for (const slot of slots) {
      for (const s of TRICKY_SCALARS) {
        if (assertAgree(base.slice(0, slot.at) + s + base.slice(slot.at + slot.len)) === 'fast') fast++;
      }
    }
    // Some spellings are valid where they land (a quoted port, a name): the fast path must have been exercised.
    assert.ok(fast > 20, `fast path answered only ${fast} times`);
  });

  it('agrees on the same spec written in other YAML styles (flow, quoted, folded)', () => {
    for (const t of TOPOLOGIES) {
      const value = parseSpecWithPositions(exampleSpec(t), 'c.yaml').input;
      for (const options of [
        { collectionStyle: 'flow' as const },
        { defaultStringType: 'QUOTE_DOUBLE' as const, defaultKeyType: 'PLAIN' as const },
        { defaultStringType: 'QUOTE_SINGLE' as const },
        { indent: 4, indentSeq: false },
        { lineWidth: 20, minContentWidth: 5, defaultStringType: 'BLOCK_FOLDED' as const },
      ]) {
        assert.equal(assertAgree(stringify(value, options)), 'fast', `${t} ${JSON.stringify(options)}`);
      }
    }
  });

  it('agrees on random edits of an example spec', () => {
    const text = exampleSpec('dedicated-lb');
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(12), fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...TRICKY_SCALARS)), (at, cut, insert) => {
        assertAgree(text.slice(0, at) + insert + text.slice(at + cut));
      }),
      { numRuns: 400 },
    );
  });

  it('agrees on random edits made of YAML punctuation and white space (tabs, CR, NBSP, BOM, line separators)', () => {
    // 45 000 runs of this (offline) found the CR and tab differences; CI runs a sample on every topology.
    const piece = fc.constantFrom(':', '-', '#', '"', "'", '\t', '[', ']', '{', '}', '|', '>', '@', '`', '\n', ' ', '  ', ',', '?', '\\', '0', 'x', '.', '~', '\r', '\u00a0', '\ufeff', '\u2028', 'e', '+');
    for (const t of TOPOLOGIES) {
      const text = exampleSpec(t);
      fc.assert(
        fc.property(fc.nat(text.length), fc.nat(8), fc.array(piece, { maxLength: 5 }), (at, cut, insert) => {
          assertAgree(text.slice(0, at) + insert.join('') + text.slice(at + cut));
        }),
        { numRuns: 300 },
      );
    }
  });
});
