import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failuresOf } from '../../../src/analyze/simulate/failures.js';
import { simulate } from '../../../src/analyze/simulate/index.js';
import { formatFailure, parseFailure } from '../../../src/model/failure.js';
import { apiservers, endpointMode, vipMembers } from '../../../src/model/queries.js';
import { clone, goodModel, lb } from '../build.js';

describe('simulator: typed failures', () => {
  it('one scenario per admitted failure, in order, named by its text form', () => {
    const model = goodModel();
    assert.deepEqual(simulate(model).map((s) => s.failure), failuresOf(model).map(formatFailure));
  });

  it("every scenario's failure parses back to the typed failure it was simulated for", () => {
    const model = goodModel();
    const failures = failuresOf(model);
    for (const [i, s] of simulate(model).entries()) {
      const p = parseFailure(s.failure);
      assert.ok(p.ok, s.failure);
      assert.deepEqual(p.failure, failures[i]);
    }
  });

  it('an LB that also runs an apiserver gets one node-down, not two', () => {
    const model = clone(goodModel());
    lb(model, 'lb0').apiserver = { port: 6443 };
    const names = failuresOf(model).map(formatFailure);
    assert.equal(names.filter((n) => n === 'node-down:lb0').length, 1);
  });
});

describe('model queries the simulator starts from', () => {
  it('the VRRP members carrying the VIP, the endpoint mode and the apiservers', () => {
    const model = goodModel();
    assert.deepEqual(vipMembers(model).map((m) => m.host.name), ['lb0', 'lb1']);
    assert.equal(endpointMode(model).kind, 'vip');
    assert.deepEqual(apiservers(model), [
      { address: '10.0.0.21', port: 6443 },
      { address: '10.0.0.22', port: 6443 },
      { address: '10.0.0.23', port: 6443 },
    ]);
  });
});
