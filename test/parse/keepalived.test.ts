import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { KEEPALIVED_DEFAULTS, parseKeepalived, type ParseKeepalivedOptions } from '../../src/parse/keepalived/index.js';

const FILE = '/etc/keepalived/keepalived.conf';
const parse = (text: string, opts?: ParseKeepalivedOptions, extra: Record<string, string> = {}) =>
  parseKeepalived(memoryFileSource({ [FILE]: text, ...extra }), FILE, opts);
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const fixture = (p: string): string => readFileSync(new URL(`../fixtures/seeds/${p}`, import.meta.url), 'utf8');

const INSTANCE = `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        10.0.0.10
    }
}
`;

describe('seed fixtures', () => {
  test('seed 000 lb-0: every value, positions, Chinese comments ignored', () => {
    const { config, diagnostics } = parseKeepalived(memoryFileSource({ '/k.conf': fixture('seed-000/lb-0/etc/keepalived/keepalived.conf') }), '/k.conf');
    assert.deepEqual(errors(diagnostics), []);
    assert.equal(config.routerId, 'LVS_DEVEL01');
    assert.equal(config.enableScriptSecurity, false);
    const s = config.scripts.chk_haproxy;
    assert.ok(s);
    assert.deepEqual([s.script, s.intervalS, s.weight, s.fall, s.rise, s.at?.line], ['killall -0 haproxy', 2, 2, 1, 1, 12]);
    const [i] = config.instances;
    assert.ok(i);
    assert.deepEqual(
      [i.name, i.state, i.priority, i.interface, i.virtualRouterId, i.advertIntS, i.version, i.unicastSrcIp, i.unicastPeers, i.auth],
      ['haproxy-vip', 'MASTER', 100, 'ens192', 60, 1, 2, '10.10.71.77', ['10.10.71.66'], { type: 'PASS', pass: '1111' }],
    );
    assert.deepEqual(i.vips.map((v) => [v.address, v.prefix, v.at?.line, v.at?.col]), [['10.10.71.67', 24, 33, 5]]);
    assert.deepEqual(i.trackScripts.map((t) => [t.name, t.weight, t.at?.line]), [['chk_haproxy', undefined, 36]]);
    assert.deepEqual(i.at, { file: '/k.conf', line: 17, col: 1 });
    // What keepalived -t warns about is a warning here too.
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code).sort(), ['KA_BAD_NUMBER', 'KA_BAD_NUMBER', 'KA_EMPTY_BLOCK', 'KA_SCRIPT_SECURITY']);
  });

  test('seed 002: a long auth_pass warns about truncation; negative weight, fall/rise', () => {
    const { config, diagnostics } = parseKeepalived(memoryFileSource({ '/k.conf': fixture('seed-002/lb-0/etc/keepalived/keepalived.conf') }), '/k.conf');
    const s = config.scripts.check_haproxy;
    assert.deepEqual([s?.script, s?.intervalS, s?.weight, s?.fall, s?.rise], ['pidof haproxy', 3, -2, 10, 2]);
    assert.equal(config.instances[0]?.priority, 250);
    assert.equal(config.instances[0]?.vips[0]?.prefix, undefined);
    const w = diagnostics.find((d) => d.code === 'KA_AUTH_PASS_TRUNCATED');
    assert.deepEqual([w?.line, w?.col], [23, 19]);
  });

  test('seed 003: script_user + enable_script_security, unindented blocks, no warning at all', () => {
    const { config, diagnostics } = parseKeepalived(memoryFileSource({ '/k.conf': fixture('seed-003/server8-node1/etc/keepalived/keepalived.conf') }), '/k.conf');
    assert.deepEqual([config.scriptUser, config.enableScriptSecurity], ['root', true]);
    assert.equal(config.scripts.check_haproxy?.weight, -11);
    assert.deepEqual([config.instances[0]?.state, config.instances[0]?.priority], ['BACKUP', 90]);
    assert.deepEqual(config.instances[0]?.trackScripts.map((t) => t.name), ['check_haproxy']);
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'info'), []);
  });
});

describe('defaults (keepalived 2.2.7)', () => {
  test('instance and script defaults', () => {
    const { config } = parse(`vrrp_script s {
    script /bin/true
}
${INSTANCE}`);
    const i = config.instances[0];
    assert.deepEqual([i?.state, i?.priority, i?.advertIntS, i?.version, i?.nopreempt], ['BACKUP', 100, 1, 2, false]);
    const s = config.scripts.s;
    assert.deepEqual([s?.intervalS, s?.weight, s?.fall, s?.rise, s?.weightReverse], [1, 0, 1, 1, false]);
    assert.equal(KEEPALIVED_DEFAULTS.priority, 100);
  });

  test('global vrrp_version applies to instances without `version`', () => {
    const { config } = parse(`global_defs {
    vrrp_version 3
}
${INSTANCE}vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    version 2
}
`);
    assert.equal(config.vrrpVersion, 3);
    assert.deepEqual(config.instances.map((i) => i.version), [3, 2]);
  });
});

describe('grammar', () => {
  test('global vrrp_rt_priority is modelled (1..99); out of range it is an error and left unset', () => {
    assert.equal(parse('global_defs {\n    vrrp_rt_priority 50\n}\n').config.vrrpRtPriority, 50);
    const bad = parse('global_defs {\n    vrrp_rt_priority 100\n}\n');
    assert.equal(bad.config.vrrpRtPriority, undefined);
    assert.ok(bad.diagnostics.length > 0);
  });

  test('braces on the next line, blocks on one line, `!` and `#` comments, quoted strings', () => {
    const { config, diagnostics } = parse(`! Configuration File for keepalived
global_defs
{
    router_id "my router"   # comment
    vrrp_strict ! another comment
}
vrrp_script chk
{
    script "/usr/bin/curl -sk https://127.0.0.1:6443/healthz"
    weight -20 reverse
    timeout 2
    user nobody
    init_fail
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress { 10.0.0.10/32 dev eth0 label eth0:vip }
    track_script { chk weight 5 }
}
`);
    assert.deepEqual(errors(diagnostics), []);
    assert.deepEqual([config.routerId, config.vrrpStrict], ['my router', true]);
    const s = config.scripts.chk;
    assert.deepEqual([s?.script, s?.weight, s?.weightReverse, s?.timeoutS, s?.user, s?.initFail], ['/usr/bin/curl -sk https://127.0.0.1:6443/healthz', -20, true, 2, 'nobody', true]);
    const i = config.instances[0];
    assert.deepEqual(i?.vips.map((v) => [v.address, v.prefix, v.dev, v.label]), [['10.0.0.10', 32, 'eth0', 'eth0:vip']]);
    assert.deepEqual(i?.trackScripts.map((t) => [t.name, t.weight]), [['chk', 5]]);
  });

  test('every instance keyword we model, trackers with per-item weights, sync groups', () => {
    const { config, diagnostics } = parse(`vrrp_track_process haproxy {
    process haproxy
    weight -30
    quorum 1
    delay 2
}
track_file maint {
    file /etc/keepalived/maint
    weight -50
}
vrrp_instance VI_1 {
    state MASTER
    interface ens3
    virtual_router_id 7
    priority 150
    advert_int 0.5
    version 3
    nopreempt
    preempt_delay 30
    authentication {
        auth_type PASS
        auth_pass secret
    }
    unicast_src_ip 10.0.0.2
    unicast_peer {
        10.0.0.3
        10.0.0.4 min_ttl 250
    }
    virtual_ipaddress {
        10.0.0.10/24
        fd00::10/64
    }
    virtual_ipaddress_excluded {
        10.0.1.10
    }
    track_process {
        haproxy weight 10 reverse
    }
    track_file {
        maint
    }
    track_interface {
        eth1
        eth2 weight -10
    }
    notify_master /bin/true
}
vrrp_sync_group G {
    group {
        VI_1
    }
}
`);
    assert.deepEqual(errors(diagnostics), []);
    const i = config.instances[0];
    assert.ok(i);
    assert.deepEqual(
      [i.state, i.interface, i.virtualRouterId, i.priority, i.advertIntS, i.version, i.nopreempt, i.preemptDelayS, i.auth, i.unicastSrcIp, i.unicastPeers],
      // VRRPv3 has no authentication: keepalived ignores the block (KA_AUTH_IGNORED).
      ['MASTER', 'ens3', 7, 150, 0.5, 3, true, 30, undefined, '10.0.0.2', ['10.0.0.3', '10.0.0.4']],
    );
    assert.ok(diagnostics.some((d) => d.code === 'KA_AUTH_IGNORED'));
    assert.deepEqual(i.vips.map((v) => `${v.address}/${v.prefix ?? ''}`), ['10.0.0.10/24', 'fd00::10/64', '10.0.1.10/']);
    assert.deepEqual(i.trackProcesses, [{ name: 'haproxy', weight: 10, weightReverse: true, at: { file: FILE, line: 37, col: 9 } }]);
    assert.deepEqual(i.trackFiles.map((t) => [t.name, t.weight]), [['maint', undefined]]);
    assert.deepEqual(i.trackInterfaces.map((t) => [t.name, t.weight]), [['eth1', undefined], ['eth2', -10]]);
    assert.deepEqual(config.processes.haproxy && [config.processes.haproxy.process, config.processes.haproxy.weight, config.processes.haproxy.quorum, config.processes.haproxy.delayS], ['haproxy', -30, 1, 2]);
    assert.deepEqual(config.trackFiles.maint && [config.trackFiles.maint.file, config.trackFiles.maint.weight], ['/etc/keepalived/maint', -50]);
    assert.deepEqual(config.syncGroups?.map((g) => [g.name, g.instances]), [['G', ['VI_1']]]);
    assert.ok(config.unknown.some((u) => u.keyword === 'notify_master'));
  });
});

describe('include, parameters, conditional lines', () => {
  test('include with a glob, relative to the including file, in sorted order', () => {
    const { config, diagnostics } = parse('include conf.d/*.conf\ninclude "/etc/keepalived/none/*.conf"\n', undefined, {
      '/etc/keepalived/conf.d/20-instance.conf': INSTANCE,
      '/etc/keepalived/conf.d/10-script.conf': 'vrrp_script s {\n    script /bin/true\n}\n',
      '/etc/keepalived/conf.d/notes.txt': 'garbage {',
    });
    assert.deepEqual(errors(diagnostics), []);
    assert.equal(config.instances[0]?.name, 'VI_1');
    assert.equal(config.instances[0]?.at?.file, '/etc/keepalived/conf.d/20-instance.conf');
    assert.ok(config.scripts.s);
    const w = diagnostics.find((d) => d.code === 'KA_INCLUDE_NOT_FOUND');
    assert.deepEqual([w?.file, w?.line], [FILE, 2]);
  });

  test('brace globs and include cycles (reported, not followed)', () => {
    const { config, diagnostics } = parse('include {a,b}.conf\n', undefined, {
      '/etc/keepalived/a.conf': 'include keepalived.conf\n',
      '/etc/keepalived/b.conf': INSTANCE,
    });
    const cycle = diagnostics.find((d) => d.code === 'KA_INCLUDE_CYCLE');
    assert.ok(cycle);
    assert.deepEqual([cycle.severity, cycle.file, cycle.line], ['error', '/etc/keepalived/a.conf', 1]);
    assert.equal(config.instances.length, 1);
  });

  test('$NAME=value definitions, $NAME and ${NAME} substitution (recursive, at use time)', () => {
    const { config, diagnostics } = parse(`$IF=eth1
$BASE=10.0.\${SUB}
$SUB=3
vrrp_instance VI_1 {
    interface $IF
    virtual_router_id 9
    virtual_ipaddress {
        \${BASE}.10/32
    }
    track_script {
        $UNDEFINED
    }
}
`);
    assert.equal(config.instances[0]?.interface, 'eth1');
    assert.equal(config.instances[0]?.vips[0]?.address, '10.0.3.10');
    // An undefined parameter is left as written (and is then an undeclared script).
    assert.equal(config.instances[0]?.trackScripts[0]?.name, '$UNDEFINED');
    assert.ok(diagnostics.some((d) => d.code === 'KA_UNKNOWN_TRACKER'));
  });

  test('positions after substitution point at the reference as written', () => {
    const { diagnostics } = parse(`$PEER=10.0.0.300
$W=-300
vrrp_script chk {
    script /bin/true
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    unicast_peer {
        $PEER
    }
    track_script {
        chk weight \${W} noreverse
        chk weight 1 sideways
    }
}
`);
    assert.deepEqual(
      errors(diagnostics).map((d) => [d.code, d.line, d.col, d.length]),
      [['KA_BAD_ADDRESS', 10, 9, 5], ['KA_BAD_NUMBER', 13, 20, 4], ['KA_BAD_VALUE', 14, 22, 8]],
    );
  });

  test('@id and @^id lines follow the config-id; unknown config-id drops @id lines', () => {
    const text = `global_defs {
    @lb1 router_id one
    @lb2 router_id two
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    @lb1 priority 150
    @^lb1 priority 90
    @lb1 $ROLE=MASTER
    @^lb1 $ROLE=BACKUP
    state $ROLE
}
`;
    const one = parse(text, { configId: 'lb1' }).config;
    const two = parse(text, { configId: 'lb2' }).config;
    assert.deepEqual([one.routerId, one.instances[0]?.priority, one.instances[0]?.state], ['one', 150, 'MASTER']);
    assert.deepEqual([two.routerId, two.instances[0]?.priority, two.instances[0]?.state], ['two', 90, 'BACKUP']);
    const none = parse(text);
    assert.deepEqual([none.config.routerId, none.config.instances[0]?.priority], [undefined, 90]);
    assert.ok(none.diagnostics.some((d) => d.code === 'KA_CONDITIONAL_SKIPPED' && d.line === 2 && d.col === 5));
  });
});

describe('malformed input: diagnostics with codes and positions', () => {
  test('unterminated quote', () => {
    const { diagnostics } = parse('vrrp_script s {\n    script "/bin/true\n}\n');
    const e = diagnostics.find((d) => d.code === 'KA_UNTERMINATED_QUOTE');
    assert.deepEqual([e?.severity, e?.line, e?.col], ['error', 2, 12]);
  });

  test('unbalanced braces: a stray closing brace and an unclosed block', () => {
    const extra = parse(`${INSTANCE}}\n`).diagnostics.find((d) => d.code === 'KA_UNBALANCED_BRACE');
    assert.deepEqual([extra?.line, extra?.col], [8, 1]);
    const { config, diagnostics } = parse('vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 3\n    virtual_ipaddress {\n        10.0.0.1\n');
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'KA_UNCLOSED_BRACE').map((d) => [d.line, d.col]),
      [[4, 5], [1, 1]],
    );
    // What could be read is still in the model.
    assert.equal(config.instances[0]?.vips[0]?.address, '10.0.0.1');
  });

  test('unknown section (typo of a block keyword) is an error; unknown keyword a warning with a hint', () => {
    const { config, diagnostics } = parse(`vrrp_instanc VI_1 {
    interface eth0
}
global_defs {
    router_di x
}
`);
    const sec = diagnostics.find((d) => d.code === 'KA_UNKNOWN_SECTION');
    assert.deepEqual([sec?.severity, sec?.line, sec?.col], ['error', 1, 1]);
    assert.match(sec?.hint ?? '', /vrrp_instance/);
    const kw = diagnostics.find((d) => d.code === 'KA_UNKNOWN_KEYWORD');
    assert.deepEqual([kw?.severity, kw?.line, kw?.col], ['warning', 5, 5]);
    assert.match(kw?.hint ?? '', /router_id/);
    assert.equal(config.instances.length, 0);
  });

  test('bad numbers, bad addresses, missing virtual_router_id, bad state', () => {
    const { config, diagnostics } = parse(`vrrp_instance VI_1 {
    state PRIMARY
    interface eth0
    priority 300
    advert_int x
    unicast_peer {
        10.0.0.300
    }
    virtual_ipaddress {
        10.0.0.10/33
        not-an-ip
    }
}
`);
    assert.deepEqual(
      errors(diagnostics).map((d) => [d.code, d.line, d.col]),
      [
        ['KA_BAD_VALUE', 2, 11],
        ['KA_BAD_NUMBER', 4, 14],
        ['KA_BAD_NUMBER', 5, 16],
        ['KA_BAD_ADDRESS', 7, 9],
        ['KA_BAD_PREFIX', 10, 9],
        ['KA_BAD_ADDRESS', 11, 9],
        ['KA_MISSING_VRID', 1, 15],
      ],
    );
    // Defaults stand where the value was bad, as keepalived does.
    assert.equal(config.instances[0]?.priority, 100);
  });

  test('a missing file and binary garbage never throw', () => {
    assert.deepEqual(parseKeepalived(memoryFileSource({}), '/x').diagnostics.map((d) => d.code), ['KA_FILE_MISSING']);
    const junk = parse('\u0000{{ "\n}}}} @ $=\n@^ x\ninclude\n');
    assert.ok(junk.diagnostics.length > 0);
    // Found by the property test: a carriage return before a brace once made the lexer loop forever.
    assert.deepEqual(parse('\r}\n\r\v\u00a0{\n').diagnostics.map((d) => d.code), ['KA_UNBALANCED_BRACE', 'KA_STRAY_BRACE', 'KA_UNCLOSED_BRACE']);
  });
});

describe('authentication keepalived ignores', () => {
  const inst = (extra: string, global = ''): string =>
    `global_defs {\n${global}}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n${extra}    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n}\n`;
  test('VRRPv3 (instance version 3 or global vrrp_version 3): a warning at the block, and no auth in the model', () => {
    for (const text of [inst('    version 3\n'), inst('', '    vrrp_version 3\n')]) {
      const r = parse(text);
      const d = r.diagnostics.find((x) => x.code === 'KA_AUTH_IGNORED');
      assert.equal(d?.severity, 'warning');
      assert.equal(d?.line, text.split('\n').findIndex((l) => l.includes('authentication {')) + 1);
      assert.equal(r.config.instances[0]?.auth, undefined);
    }
  });
  test('vrrp_strict drops it too; VRRPv2 without strict keeps it', () => {
    assert.equal(parse(inst('', '    vrrp_strict\n')).config.instances[0]?.auth, undefined);
    const v2 = parse(inst(''));
    assert.deepEqual(v2.config.instances[0]?.auth, { type: 'PASS', pass: 'secret' });
    assert.ok(!v2.diagnostics.some((d) => d.code === 'KA_AUTH_IGNORED'));
  });
});

test('check_unicast_src (instance) and vrrp_check_unicast_src (global) are modelled', () => {
  const r = parse('global_defs {\n    vrrp_check_unicast_src\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    check_unicast_src\n}\n');
  assert.equal(r.config.vrrpCheckUnicastSrc, true);
  assert.equal(r.config.instances[0]?.checkUnicastSrc, true);
  assert.equal(parse('vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n').config.instances[0]?.checkUnicastSrc, undefined);
});
