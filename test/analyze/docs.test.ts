import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allRules } from '../../src/analyze/rules/index.js';
import { ruleTableMarkdown } from '../../src/cli/explain.js';

const DOC = fileURLToPath(new URL('../../docs/analysis.md', import.meta.url));
const BEGIN = '<!-- rules:begin -->';
const END = '<!-- rules:end -->';

describe('docs/analysis.md', () => {
  it('lists every rule of allRules in the generated table (UPDATE_DOCS=1 rewrites it)', () => {
    let doc = readFileSync(DOC, 'utf8');
    const table = `${BEGIN}\n${ruleTableMarkdown()}\n${END}`;
    const current = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length);
    if (process.env['UPDATE_DOCS'] && current !== table) {
      doc = doc.replace(current, table);
      writeFileSync(DOC, doc);
    }
    assert.equal(current === table || Boolean(process.env['UPDATE_DOCS']), true, 'docs/analysis.md rule table is stale: rerun with UPDATE_DOCS=1');
    for (const r of allRules) assert.ok(doc.includes(`\`${r.id}\``), r.id);
  });
});
