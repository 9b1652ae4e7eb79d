import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHolderSamples } from '../../src/measure/soak.js';
import { holderSamplerScript } from '../../src/ops/soak.js';

describe('the soak\'s VIP holder sampler', () => {
  it('the sampler script reads each LB namespace for the VIP and quotes what it interpolates', () => {
    const script = holderSamplerScript([{ name: 'lb0', netns: 'kubeha-x-lb0' }, { name: 'lb1', netns: "we'ird" }], '10.9.0.10', 100);
    assert.match(script, /ip -n kubeha-x-lb0 -o -4 addr show \| grep -qF ' 10\.9\.0\.10\/'; then l="\$l lb0"/);
    assert.match(script, /ip -n 'we'\\''ird'/);
    assert.match(script, /sleep 0\.100; done$/);
    assert.match(script, /^while :; do l="S \$\(date \+%s%3N\)"/);
  });

  it('its output parses into samples: only the LB whose namespace shows the VIP holds it (a stub `ip`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-sampler-'));
    try {
      // `ip -n NS -o -4 addr show`: the VIP in ns-a only; another address that merely starts alike in ns-b.
      writeFileSync(join(dir, 'ip'), '#!/bin/sh\nif [ "$2" = ns-a ]; then echo "2: eth0    inet 10.9.0.10/32 scope global eth0"; else echo "2: eth0    inet 10.9.0.101/24 scope global eth0"; fi\n');
      chmodSync(join(dir, 'ip'), 0o755);
      const script = holderSamplerScript([{ name: 'lb0', netns: 'ns-a' }, { name: 'lb1', netns: 'ns-b' }], '10.9.0.10', 50);
      const r = spawnSync('timeout', ['1', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` } });
      const samples = parseHolderSamples(r.stdout);
      assert.ok(samples.length >= 1, `samples: ${r.stdout} ${r.stderr}`);
      for (const x of samples) assert.deepEqual(x.holders, ['lb0']);
      assert.ok(samples.every((x) => Number.isInteger(x.at) && x.at > 1e12), 'epoch milliseconds');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
