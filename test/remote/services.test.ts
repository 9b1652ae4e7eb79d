import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseServiceStates, serviceStateCommand } from '../../src/remote/services.js';

/** `systemctl show` as systemd 252 prints it for: a running enabled unit, a stopped disabled one, and a missing one. */
const SHOW = [
  'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nActiveEnterTimestampMonotonic=6265781980',
  'ActiveEnterTimestampMonotonic=0\nLoadState=loaded\nActiveState=inactive\nUnitFileState=disabled',
  'LoadState=not-found\nActiveState=inactive\nUnitFileState=\nActiveEnterTimestampMonotonic=0',
].join('\n\n');

describe('service states in one systemctl call', () => {
  it('turns systemctl show blocks into one line per unit, in the order asked, whatever the property order', () => {
    const command = serviceStateCommand(['haproxy.service', 'keepalived.service', 'nosuch.service']);
    assert.match(command, /^systemctl show -p LoadState,ActiveState,UnitFileState,ActiveEnterTimestampMonotonic /);
    // The real awk program of the command, fed what systemctl prints.
    const awkPart = command.slice(command.indexOf('| awk') + 2);
    const r = spawnSync('sh', ['-c', `printf '%s\\n' "$SHOW" | ${awkPart}`], { encoding: 'utf8', env: { ...process.env, SHOW } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parseServiceStates(r.stdout), [
      { unit: 'haproxy.service', active: 'active', enabled: 'enabled', startedAt: '6265781980' },
      // `systemctl is-enabled` exits 1 for a disabled unit: the old `|| echo not-found` made this line two.
      { unit: 'keepalived.service', active: 'inactive', enabled: 'disabled', startedAt: '0' },
      { unit: 'nosuch.service', active: 'inactive', enabled: 'not-found', startedAt: '0' },
    ]);
  });
});
