import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { importAnsible } from '../../src/interop/ansible/import.js';
import { importKubekey } from '../../src/interop/kubekey/import.js';
import { fixture } from './import-helpers.js';

/** Bad input never throws: any text gives diagnostics (and a spec only when there is no error). */

const lines = (src: string): string[] => src.split('\n');

/** Random edits of a real file: drop, duplicate or garble lines, so that inputs stay close to real ones. */
const mutated = (src: string) =>
  fc
    .array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'dup', 'garble', 'tab'), fc.string({ maxLength: 8 })), { maxLength: 6 })
    .map((edits) => {
      const ls = lines(src);
      for (const [n, op, junk] of edits) {
        const i = n % Math.max(1, ls.length);
        const l = ls[i] ?? '';
        if (op === 'drop') ls.splice(i, 1);
        else if (op === 'dup') ls.splice(i, 0, l);
        else if (op === 'tab') ls[i] = `\t${l}`;
        else ls[i] = l.slice(0, junk.length) + junk + l.slice(junk.length * 2);
      }
      return ls.join('\n');
    });

const wellFormed = (r: { spec?: unknown; diagnostics: { severity: string; code: string; message: string }[] }): void => {
  for (const d of r.diagnostics) assert.ok(d.code && d.message && ['error', 'warning', 'info'].includes(d.severity));
  if (r.diagnostics.some((d) => d.severity === 'error')) assert.equal(r.spec, undefined);
};

test('importKubekey never throws, on arbitrary text and on mutated seed 000', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => wellFormed(importKubekey(s, 'x.yaml'))), { numRuns: 200 });
  fc.assert(fc.property(mutated(fixture('seed000-config-sample.yaml')), (s) => {
    const r = importKubekey(s, 'x.yaml');
    wellFormed(r);
    // A garbled key no longer says "password"; while it does, the value must never be shown.
    if (s.includes('password: P@ssw0rd!')) assert.ok(!JSON.stringify(r).includes('P@ssw0rd!'), 'no password even in a broken file');
  }), { numRuns: 150 });
});

test('importAnsible never throws, on arbitrary text and on mutated seed 001', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => wellFormed(importAnsible(s, 'x.ini'))), { numRuns: 200 });
  fc.assert(fc.property(mutated(fixture('kubespray-inventory.ini')), mutated(fixture('kubespray-k8s-cluster.yml')), (ini, vars) => {
    const r = importAnsible(ini, 'x.ini', { vars: { file: 'v.yml', text: vars } });
    wellFormed(r);
    if (ini.includes('password=Become-S3cret-77')) assert.ok(!JSON.stringify(r).includes('Become-S3cret-77'));
  }), { numRuns: 150 });
});
