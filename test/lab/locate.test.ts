import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Code } from '../../src/diag/catalog.js';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { locateLabDiagnostics } from '../../src/lab/locate.js';

const SPEC = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: demo
hosts:
  - name: lb0
    address: 10.77.0.11
  - { name: w1, address: 10.77.5.31, interface: ens192-very-long }
`;
const err = (code: Code, host?: string): Diagnostic => ({ code, severity: 'error', message: code, file: 'c.yaml', ...(host ? { host } : {}) });

test("the lab's input errors point at the spec: the host's address or interface, the cluster name", () => {
  const ds = locateLabDiagnostics([err('LAB_SUBNET_MISMATCH', 'w1'), err('LAB_IFNAME', 'w1'), err('LAB_ADDRESS_IN_USE', 'lb0'), err('LAB_EXISTS')], SPEC, ['lb0', 'w1'], true);
  assert.deepEqual(
    ds.map((d) => [d.line, d.col, d.length, d.excerpt]),
    [
      [8, 26, 10, '  - { name: w1, address: 10.77.5.31, interface: ens192-very-long }'],
      [8, 49, 16, '  - { name: w1, address: 10.77.5.31, interface: ens192-very-long }'],
      [7, 14, 10, '    address: 10.77.0.11'],
      [4, 9, 4, '  name: demo'],
    ],
  );
});

test('a lab name given with --name has no place in the spec; the subnet falls back to the first address', () => {
  const [name, subnet] = locateLabDiagnostics([err('LAB_NAME'), err('LAB_SUBNET_ON_HOST')], SPEC, ['lb0', 'w1'], false);
  assert.equal(name?.line, undefined);
  assert.deepEqual([subnet?.line, subnet?.col], [7, 14]);
});
