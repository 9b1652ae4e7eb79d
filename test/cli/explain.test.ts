import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { explainText } from '../../src/cli/explain.js';
import { allCodes } from '../../src/diag/catalog.js';
import { InputError } from '../../src/diag/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function kubeha(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, env: { ...process.env, KUBEHA_DEBUG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('kubeha explain answers for every code of the catalog', () => {
  it('in process: the title, a why, a source and a fix for each', () => {
    for (const { code, entry } of allCodes()) {
      const t = explainText(code, false, false);
      assert.ok(t.startsWith(`${code} (${entry.severity}): ${entry.title}\n\n`), code);
      assert.match(t, /^Source: \S.+$/m, `${code}: source`);
      assert.match(t, /^Fix: \S.+$/m, `${code}: fix`);
      const json = JSON.parse(explainText(code, false, true)) as { id: string; source: string; fix: string };
      assert.equal(json.id, code);
      assert.ok(json.source.length > 0 && json.fix.length > 0, code);
    }
  });
  it('--list names every code once, under its group', () => {
    const list = explainText(undefined, true, false);
    for (const { code } of allCodes()) assert.equal(list.match(new RegExp(`^${code}\\s`, 'gm'))?.length, 1, code);
    assert.match(list, /^# spec /m);
    assert.match(list, /^# HA analysis /m);
    const json = JSON.parse(explainText(undefined, true, true)) as { id: string; group: string }[];
    assert.equal(json.length, allCodes().length);
  });
  it('a code in the wrong case is still found; an unknown one gets a did-you-mean over every code', () => {
    assert.match(explainText('spec_duplicate_address', false, false), /^SPEC_DUPLICATE_ADDRESS \(error\)/);
    assert.throws(
      () => explainText('SPEC_DUPLICATE_ADRESS', false, false),
      (e: unknown) => e instanceof InputError && e.diagnostics[0]?.code === 'E_UNKNOWN_RULE' && /did you mean 'SPEC_DUPLICATE_ADDRESS'/.test(e.diagnostics[0]?.hint ?? ''),
    );
  });
});

describe('kubeha explain (the CLI)', { concurrency: 2 }, () => {
  for (const code of ['SPEC_DUPLICATE_ADDRESS', 'IMPORT_PLAINTEXT_PASSWORD', 'KA_AUTH_PASS_TRUNCATED', 'MIRROR_NO_HOSTS', 'vrrp-auth-mismatch', 'KUBEHA_FILE_NOT_FOUND'])
    it(`explains ${code}: exit 0, why, source and fix`, async () => {
      const r = await kubeha(['explain', code]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${code} \\((error|warning|info)\\): \\S`));
      assert.match(r.stdout, /\nSource: \S/);
      assert.match(r.stdout, /\nFix: \S/);
    });
  it('an unknown code: exit 2 with a did-you-mean', async () => {
    const r = await kubeha(['explain', 'SPEC_DUPLICATE_ADRESS']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[E_UNKNOWN_RULE\]: unknown code 'SPEC_DUPLICATE_ADRESS'/);
    assert.match(r.stderr, /did you mean 'SPEC_DUPLICATE_ADDRESS'/);
  });
});
