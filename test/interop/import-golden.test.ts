import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderKubekeyConfig } from '../../src/interop/kubekey/export.js';
import { importAnsible } from '../../src/interop/ansible/import.js';
import { importKubekey } from '../../src/interop/kubekey/import.js';
import { importedSpecYaml } from '../../src/interop/import-yaml.js';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { fixture } from './import-helpers.js';

/**
 * Golden files for review: the specs imported from seeds 000 and 001, and the KubeKey config exported back
 * from seed 000. Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff.
 */

function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../fixtures/import/golden/${name}`, import.meta.url));
  if (process.env['UPDATE_GOLDEN']) writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`);
}

test('golden: seed 000 imported, and exported back to KubeKey', () => {
  const r = importKubekey(fixture('seed000-config-sample.yaml'), 'config-sample.yaml');
  assert.ok(r.spec);
  const yaml = importedSpecYaml(r.spec, r.source, r.diagnostics, 'cluster.yaml');
  golden('seed000.kubeha.yaml', yaml);
  const spec = parseSpec(yaml, 'cluster.yaml').spec;
  assert.ok(spec);
  golden('seed000.kubekey-export.yaml', renderKubekeyConfig(spec).text);
});

test('golden: seed 001 imported with its common.yaml', () => {
  const r = importAnsible(fixture('seed001-hosts.ini'), 'conf/hosts.ini', { name: 'kubesphere-ha', vars: { file: 'conf/common.yaml', text: fixture('seed001-common.yaml') } });
  assert.ok(r.spec);
  golden('seed001.kubeha.yaml', importedSpecYaml(r.spec, r.source, r.diagnostics, 'cluster.yaml'));
});
