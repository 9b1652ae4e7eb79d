import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { renderDiagnostic } from '../../src/diag/render.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { parseHaproxy, parseHaproxyTime, type ParseHaproxyOptions } from '../../src/parse/haproxy/index.js';

const FILE = '/etc/haproxy/haproxy.cfg';
const parse = (text: string, opts?: ParseHaproxyOptions) => parseHaproxy(memoryFileSource({ [FILE]: text }), FILE, opts);
const codes = (ds: Diagnostic[], severity?: string): string[] => ds.filter((d) => !severity || d.severity === severity).map((d) => d.code);
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const fixture = (p: string): string => readFileSync(new URL(`../fixtures/seeds/${p}`, import.meta.url), 'utf8');

const MIN = `global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend fe
    bind *:6443
    default_backend be
backend be
`;

describe('seed fixtures', () => {
  test('seed 000: frontend, backend, default-server inheritance, ms timeouts, positions', () => {
    const { config, diagnostics } = parseHaproxy(memoryFileSource({ '/h.cfg': fixture('seed-000/lb-0/etc/haproxy/haproxy.cfg') }), '/h.cfg');
    assert.deepEqual(errors(diagnostics), []);
    assert.equal(config.global.user, 'haproxy');
    assert.equal(config.global.maxconn, 4000);
    assert.deepEqual(config.global.statsSockets, ['/var/lib/haproxy/stats']);
    const [fe] = config.frontends;
    assert.ok(fe);
    assert.equal(fe.name, 'kube-apiserver');
    assert.equal(fe.mode, 'tcp');
    assert.equal(fe.defaultBackend, 'kube-apiserver');
    assert.deepEqual(fe.binds.map((b) => [b.address, b.port, b.at?.line, b.at?.col]), [['*', 6443, 27, 10]]);
    assert.deepEqual(fe.timeouts, { connectMs: 5000, clientMs: 5000, serverMs: 5000, unitless: { connect: '5000', client: '5000', server: '5000' } });
    const [be] = config.backends;
    assert.ok(be);
    assert.equal(be.balance, 'roundrobin');
    assert.deepEqual(be.healthCheck, { type: 'tcp' });
    assert.equal(be.servers.length, 3);
    const s = be.servers[0];
    assert.ok(s);
    assert.deepEqual(
      { name: s.name, address: s.address, port: s.port, check: s.check, inter: s.interMs, downinter: s.downinterMs, rise: s.rise, fall: s.fall, weight: s.weight },
      { name: 'kube-apiserver-1', address: '10.10.71.214', port: 6443, check: true, inter: 10000, downinter: 5000, rise: 2, fall: 2, weight: 100 },
    );
    assert.deepEqual(s.at, { file: '/h.cfg', line: 39, col: 5 });
    // Unmodelled keywords are kept and reported as info, never as errors.
    assert.ok(config.unknown.some((u) => u.keyword === 'option tcplog' && u.section === "backend 'kube-apiserver'"));
    assert.ok(diagnostics.every((d) => d.severity === 'info'));
  });

  test('seed 002: defaults in http mode overridden per section, listen stats page, escaped space', () => {
    const { config, diagnostics } = parseHaproxy(memoryFileSource({ '/h.cfg': fixture('seed-002/lb-0/etc/haproxy/haproxy.cfg') }), '/h.cfg');
    assert.deepEqual(errors(diagnostics), []);
    const stats = config.frontends.find((f) => f.name === 'stats');
    assert.ok(stats);
    assert.equal(stats.kind, 'listen');
    assert.equal(stats.mode, 'http');
    assert.deepEqual(stats.stats?.auth, ['admin:awesomePassword']);
    assert.equal(stats.stats?.uri, '/admin?stats');
    assert.deepEqual(stats.stats?.bind.map((b) => b.port), [1080]);
    // A listen section is a backend too.
    assert.ok(config.backends.some((b) => b.name === 'stats'));
    const be = config.backends.find((b) => b.name === 'kubernetes-apiserver');
    assert.equal(be?.mode, 'tcp');
    assert.equal(be?.redispatch, true);
    assert.equal(be?.retries, 3);
    assert.deepEqual(be?.timeouts, { connectMs: 10000, clientMs: 60000, serverMs: 60000, checkMs: 10000, other: { 'http-request': 10000, queue: 60000, 'http-keep-alive': 10000 } });
    assert.deepEqual(be?.servers.map((s) => `${s.address}:${s.port}`), ['10.168.222.218:6443', '10.168.222.197:6443', '10.168.222.207:6443']);
  });

  test('seed 003: the frontend listens on 16443; seed 004: option tcp-check', () => {
    const s3 = parseHaproxy(memoryFileSource({ '/h.cfg': fixture('seed-003/server7-master/etc/haproxy/haproxy.cfg') }), '/h.cfg');
    assert.deepEqual(s3.config.frontends.find((f) => f.name === 'kubernetes-apiserver')?.binds.map((b) => b.port), [16443]);
    const s4 = parseHaproxy(memoryFileSource({ '/h.cfg': fixture('seed-004/lb1/etc/haproxy/haproxy.cfg') }), '/h.cfg');
    assert.deepEqual(s4.config.backends[0]?.healthCheck, { type: 'tcp-check', steps: [] });
    assert.deepEqual(s4.config.frontends[0]?.timeouts, { connectMs: 5000, clientMs: 50000, serverMs: 50000, unitless: { connect: '5000', client: '50000', server: '50000' } });
  });
});

describe('lexing: comments, quotes, escapes, environment', () => {
  test('single quotes are literal, double quotes interpret escapes, backslash escapes outside quotes', () => {
    const { config, diagnostics } = parse(`listen st # trailing comment
    bind :8404
    stats auth 'ad min:p#w'
    stats auth "us\\"er:x y"
    stats auth us\\ er2:p\\#q
    stats uri "/st"ats
`);
    assert.deepEqual(errors(diagnostics), []);
    assert.deepEqual(config.frontends[0]?.stats?.auth, ['ad min:p#w', 'us"er:x y', 'us er2:p#q']);
    assert.equal(config.frontends[0]?.stats?.uri, '/stats');
  });

  test('"${VAR}" and "$VAR" expand inside double quotes only; unknown variables are info and kept', () => {
    const { config, diagnostics } = parse(`frontend fe
    bind "\${VIP}:6443"
    bind "$VIP:7443"
    bind \${VIP}:8443
    bind "\${NOPE}:9443"
    default_backend be
backend be
    server a "\${M1}":6443 check
`, { env: { VIP: '10.0.0.10', M1: '10.0.0.4' } });
    const binds = config.frontends[0]?.binds.map((b) => `${b.address}:${b.port}`);
    assert.deepEqual(binds, ['10.0.0.10:6443', '10.0.0.10:7443', '${VIP}:8443', '${NOPE}:9443']);
    assert.equal(config.backends[0]?.servers[0]?.address, '10.0.0.4');
    const info = diagnostics.find((d) => d.code === 'HAP_ENV_UNDEFINED');
    assert.ok(info);
    assert.equal(info.severity, 'info');
    assert.deepEqual([info.line, info.col], [5, 11]);
  });

  test('an unterminated quote is an error with its position; the parser goes on', () => {
    const { config, diagnostics } = parse(`frontend fe
    bind *:6443
    stats auth "admin:pw
    default_backend be
backend be
`);
    const e = diagnostics.find((d) => d.code === 'HAP_UNTERMINATED_QUOTE');
    assert.ok(e);
    assert.equal(e.severity, 'error');
    assert.deepEqual([e.line, e.col], [3, 16]);
    assert.match(renderDiagnostic(e), /haproxy\.cfg:3:16: error\[HAP_UNTERMINATED_QUOTE\]/);
    assert.equal(config.frontends[0]?.defaultBackend, 'be');
  });
});

describe('sections and defaults', () => {
  test('named defaults and `from`: a proxy inherits the named section, others the last one', () => {
    const { config, diagnostics } = parse(`defaults apis
    mode tcp
    timeout client 4h
    option redispatch
defaults web
    mode http
    timeout client 30s
backend be1 from apis
    server a 10.0.0.1:6443
backend be2
    server a 10.0.0.1:6443
defaults child from apis
    retries 5
backend be3
    server a 10.0.0.1:6443
`);
    assert.deepEqual(errors(diagnostics), []);
    const [b1, b2, b3] = config.backends;
    assert.deepEqual([b1?.mode, b1?.timeouts.clientMs, b1?.redispatch], ['tcp', 4 * 3600_000, true]);
    assert.deepEqual([b2?.mode, b2?.timeouts.clientMs, b2?.redispatch], ['http', 30_000, false]);
    assert.deepEqual([b3?.mode, b3?.timeouts.clientMs, b3?.retries], ['tcp', 4 * 3600_000, 5]);
  });

  test('a named defaults section used both with `from` and implicitly warns, as HAProxy does', () => {
    const { diagnostics } = parse('defaults a\n    mode tcp\nbackend one from a\nbackend two\n');
    const w = diagnostics.find((d) => d.code === 'HAP_DEFAULTS_MIXED');
    assert.deepEqual([w?.severity, w?.line, w?.col], ['warning', 4, 9]);
    assert.equal(parse('defaults a\n    mode tcp\nbackend one from a\ndefaults\nbackend two\n').diagnostics.some((d) => d.code === 'HAP_DEFAULTS_MIXED'), false);
  });

  test('`from` naming no defaults section is an error with a hint', () => {
    const { diagnostics } = parse(`defaults apis
    mode tcp
backend be from apsi
`);
    const e = diagnostics.find((d) => d.code === 'HAP_UNKNOWN_DEFAULTS');
    assert.ok(e);
    assert.deepEqual([e.line, e.col], [3, 17]);
    assert.match(e.hint ?? '', /apis/);
  });

  test('mode defaults to tcp; balance defaults to roundrobin', () => {
    const { config } = parse('backend be\n    server a 10.0.0.1:6443\n');
    assert.equal(config.backends[0]?.mode, 'tcp');
    assert.equal(config.backends[0]?.balance, 'roundrobin');
  });

  test('an unknown section is an error with a did-you-mean hint, before or among sections', () => {
    const first = parse('globl\n    maxconn 10\n');
    assert.deepEqual(codes(first.diagnostics, 'error'), ['HAP_UNKNOWN_SECTION', 'HAP_OUTSIDE_SECTION']);
    assert.match(first.diagnostics[0]?.hint ?? '', /global/);
    const mid = parse(`${MIN}backnd be2\n    server a 10.0.0.1:6443\n`);
    const e = mid.diagnostics.find((d) => d.code === 'HAP_UNKNOWN_SECTION');
    assert.ok(e);
    assert.equal(e.line, 12);
    assert.match(e.hint ?? '', /backend/);
  });

  test('keywords we do not model are kept in `unknown` with an info; words HAProxy does not know are errors', () => {
    const { config, diagnostics } = parse(`${MIN}    option tcplog\n    compresion algo gzip\n`);
    assert.ok(config.unknown.some((u) => u.keyword === 'option tcplog'));
    assert.equal(diagnostics.find((d) => d.code === 'HAP_UNMODELED' && d.line === 12)?.severity, 'info');
    const w = diagnostics.find((d) => d.code === 'HAP_UNKNOWN_KEYWORD');
    assert.ok(w);
    assert.equal(w.severity, 'error');
    assert.match(w.hint ?? '', /compression/);
    assert.ok(config.unknown.some((u) => u.keyword === 'compresion' && u.at?.line === 13));
  });

  test('cross-section checks: unknown backend, duplicate names, frontend without bind, server in a frontend', () => {
    const { diagnostics } = parse(`frontend fe
    use_backend missing if TRUE
    default_backend bee
    server s 10.0.0.1:6443
backend be
backend be
`);
    assert.deepEqual(codes(diagnostics, 'error').sort(), ['HAP_DUPLICATE_PROXY', 'HAP_KEYWORD_NOT_ALLOWED', 'HAP_UNKNOWN_BACKEND', 'HAP_UNKNOWN_BACKEND']);
    assert.deepEqual(codes(diagnostics, 'warning'), ['HAP_MISSING_TIMEOUTS', 'HAP_NO_BIND']);
    const hint = diagnostics.find((d) => d.code === 'HAP_UNKNOWN_BACKEND' && d.line === 3)?.hint;
    assert.match(hint ?? '', /'be'/);
  });
});

describe('conditional blocks (.if/.elif/.else/.endif)', () => {
  test('only the taken branch is read; predicates, operators and messages', () => {
    const { config, diagnostics } = parse(`backend be
.if defined(VIP) && version_atleast(2.4)
    server a "\${VIP}":6443 check
.elif streq(x,y)
    server b 10.0.0.2:6443
.else
    server c 10.0.0.3:6443
.endif
.if !defined(VIP) || version_before(2.0)
    server d 10.0.0.4:6443
.else
.if 0
    server e 10.0.0.5:6443
.endif
.warning "check me"
.endif
`, { env: { VIP: '10.0.0.1' } });
    assert.deepEqual(config.backends[0]?.servers.map((x) => x.name), ['a']);
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.code, d.severity, d.line]), [['HAP_WARNING', 'warning', 15], ['HAP_MISSING_TIMEOUTS', 'warning', 1]]);
  });

  test('unbalanced directives are errors', () => {
    const { diagnostics } = parse('.endif\n.else\n.if 1\n');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.line]), [['HAP_BAD_CONDITIONAL', 1], ['HAP_BAD_CONDITIONAL', 2], ['HAP_BAD_CONDITIONAL', 3]]);
  });
});

describe('bind addresses', () => {
  test('every documented form', () => {
    const { config, diagnostics } = parse(`frontend fe
    bind *:6443
    bind :6444
    bind 0.0.0.0:6445
    bind 10.0.0.10:6446 ssl crt /etc/x.pem
    bind :7000-7002
    bind 10.0.0.1:80,10.0.0.2:81
    bind ipv4@10.0.0.3:82
    bind :::83
    bind [fd00::1]:84
    bind /run/haproxy.sock
    default_backend be
backend be
`);
    assert.deepEqual(errors(diagnostics), []);
    const b = config.frontends[0]?.binds ?? [];
    assert.deepEqual(
      b.map((x) => [x.address, x.port, x.portEnd, x.ssl]),
      [
        ['*', 6443, undefined, undefined],
        ['*', 6444, undefined, undefined],
        ['0.0.0.0', 6445, undefined, undefined],
        ['10.0.0.10', 6446, undefined, true],
        ['*', 7000, 7002, undefined],
        ['10.0.0.1', 80, undefined, undefined],
        ['10.0.0.2', 81, undefined, undefined],
        ['10.0.0.3', 82, undefined, undefined],
        ['::', 83, undefined, undefined],
        ['fd00::1', 84, undefined, undefined],
      ],
    );
    // The second address of a comma list points at its own column.
    assert.equal(b[6]?.at?.col, 22);
    assert.ok(diagnostics.some((d) => d.code === 'HAP_NON_TCP_ADDRESS' && d.line === 11));
  });

  test('bad ports and missing ports are errors', () => {
    const { diagnostics } = parse('frontend fe\n    bind *:70000\n    bind 10.0.0.1\n    bind :x\n');
    assert.deepEqual(codes(diagnostics, 'error'), ['HAP_BAD_PORT', 'HAP_BAD_ADDRESS', 'HAP_BAD_PORT']);
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.line), [2, 3, 4]);
  });
});

describe('timeouts and numbers', () => {
  test('missing client/connect/server timeouts warn as haproxy -c does (server side only with servers)', () => {
    const { diagnostics } = parse(`frontend fe
    bind :6443
    default_backend be
backend be
    timeout connect 5s
    server a 10.0.0.1:6443
backend empty
listen l
    bind :1
    timeout client 1m
`);
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'HAP_MISSING_TIMEOUTS').map((d) => [d.line, d.message]),
      [[1, "frontend 'fe' has no timeout client"], [4, "backend 'be' has no timeout server"]],
    );
  });

  test('units: ms by default, us, s, m, h, d', () => {
    assert.equal(parseHaproxyTime('5000'), 5000);
    assert.equal(parseHaproxyTime('100ms'), 100);
    assert.equal(parseHaproxyTime('500us'), 0.5);
    assert.equal(parseHaproxyTime('10s'), 10_000);
    assert.equal(parseHaproxyTime('2m'), 120_000);
    assert.equal(parseHaproxyTime('1h'), 3_600_000);
    assert.equal(parseHaproxyTime('1d'), 86_400_000);
    assert.equal(parseHaproxyTime('10x'), undefined);
    assert.equal(parseHaproxyTime('-1'), undefined);
  });

  test('timeout kinds are stored; a bad time or an unknown timeout is an error at the value', () => {
    const { config, diagnostics } = parse(`backend be
    timeout tunnel 1h
    timeout check 3s
    timeout server-fin 1s
    timeout server 10 s
    timeout conect 5s
    retries abc
`);
    assert.equal(config.backends[0]?.timeouts.tunnelMs, 3_600_000);
    assert.equal(config.backends[0]?.timeouts.checkMs, 3000);
    assert.deepEqual(config.backends[0]?.timeouts.other, { 'server-fin': 1000 });
    const errs = errors(diagnostics);
    assert.deepEqual(errs.map((d) => [d.code, d.line, d.col]), [['HAP_BAD_VALUE', 6, 13], ['HAP_BAD_NUMBER', 7, 13]]);
    // `10 s`: the unit is a separate word, so `10` is the time (ms) and `s` is ignored; HAProxy reads it the same way.
    assert.equal(config.backends[0]?.timeouts.serverMs, 10);
  });
});

describe('health checks', () => {
  const be = (lines: string): ReturnType<typeof parse> => parse(`backend be\n${lines}\n    server a 10.0.0.1:6443 check\n`);

  test('option httpchk: no argument, uri, method + uri, method + uri + version, old Host header form', () => {
    assert.deepEqual(be('    option httpchk').config.backends[0]?.healthCheck, { type: 'http', method: 'OPTIONS', path: '/', ssl: false });
    assert.deepEqual(be('    option httpchk /healthz').config.backends[0]?.healthCheck, { type: 'http', method: 'OPTIONS', path: '/healthz', ssl: false });
    assert.deepEqual(be('    option httpchk GET /readyz').config.backends[0]?.healthCheck, { type: 'http', method: 'GET', path: '/readyz', ssl: false });
    assert.deepEqual(be('    option httpchk GET /livez HTTP/1.1').config.backends[0]?.healthCheck, { type: 'http', method: 'GET', path: '/livez', ssl: false, version: 'HTTP/1.1' });
    assert.deepEqual(be('    option httpchk GET /healthz HTTP/1.1\\r\\nHost:\\ k8s').config.backends[0]?.healthCheck, {
      type: 'http',
      method: 'GET',
      path: '/healthz',
      ssl: false,
      version: 'HTTP/1.1',
      host: 'k8s',
    });
  });

  test('http-check send/expect override option httpchk; check-ssl makes the check TLS', () => {
    const { config, diagnostics } = parse(`backend be
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host kubernetes
    http-check expect status 200
    server a 10.0.0.1:6443 check check-ssl verify none
`);
    assert.deepEqual(errors(diagnostics), []);
    assert.deepEqual(config.backends[0]?.healthCheck, { type: 'http', method: 'GET', path: '/healthz', ssl: true, expect: 'status 200', version: 'HTTP/1.1', host: 'kubernetes' });
    assert.equal(config.backends[0]?.servers[0]?.verify, 'none');
  });

  test('`http-check connect ssl` makes the HTTP check TLS (the kubeadm HA guide writes it so)', () => {
    const { config, diagnostics } = parse(`backend be
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /healthz
    http-check expect status 200
    server m1 10.0.0.21:6443 check verify none
`);
    assert.deepEqual(errors(diagnostics), []);
    assert.deepEqual(config.backends[0]?.healthCheck, { type: 'http', method: 'GET', path: '/healthz', ssl: true, expect: 'status 200' });
    assert.equal(config.backends[0]?.servers[0]?.checkSsl, false);
    const plain = parse('backend be\n    option httpchk\n    http-check connect port 6443\n    server m1 10.0.0.21:6443 check\n');
    assert.equal(plain.config.backends[0]?.healthCheck.type === 'http' && plain.config.backends[0].healthCheck.ssl, false);
  });

  test('tcp-check rules, ssl-hello-chk, other check options, redispatch on/off, retries', () => {
    assert.deepEqual(be('    option tcp-check\n    tcp-check connect port 6443 ssl\n    tcp-check expect string ok').config.backends[0]?.healthCheck, {
      type: 'tcp-check',
      steps: ['connect port 6443 ssl', 'expect string ok'],
    });
    assert.deepEqual(be('    option ssl-hello-chk').config.backends[0]?.healthCheck, { type: 'ssl-hello' });
    assert.deepEqual(be('    option mysql-check').config.backends[0]?.healthCheck, { type: 'other', option: 'mysql-check' });
    const d = parse('defaults\n    option redispatch\n    retries 2\nbackend a\nbackend b\n    no option redispatch\n');
    assert.deepEqual(d.config.backends.map((b) => [b.redispatch, b.retries]), [[true, 2], [false, 2]]);
  });

  test('option redispatch <interval>: every Pth retry, -1 by default, 0 disables it, a bad interval is an error', () => {
    const d = parse('defaults\n    option redispatch 1\nbackend a\nbackend b\n    option redispatch\nbackend c\n    option redispatch 0\nbackend e\n    option redispatch -2\n');
    assert.deepEqual(d.config.backends.map((b) => [b.name, b.redispatch, b.redispatchEvery]), [['a', true, 1], ['b', true, -1], ['c', false, undefined], ['e', true, -2]]);
    assert.deepEqual(codes(d.diagnostics, 'error'), []);
    const bad = parse('backend a\n    option redispatch often\n');
    assert.deepEqual(codes(bad.diagnostics, 'error'), ['HAP_BAD_NUMBER']);
  });

  test('check rules in defaults are inherited until a section writes its own', () => {
    const { config } = parse(`defaults
    option httpchk GET /healthz
    http-check expect status 200
backend a
backend b
    http-check expect status 204
`);
    assert.deepEqual(config.backends.map((b) => (b.healthCheck.type === 'http' ? b.healthCheck.expect : undefined)), ['status 200', 'status 204']);
  });
});

describe('servers', () => {
  test('every modelled server keyword, with units', () => {
    const { config, diagnostics } = parse(`backend be
    server a 10.0.0.1:6443 check inter 3s fastinter 500ms downinter 1m fall 5 rise 4 weight 10 backup
    server b 10.0.0.2:6443 disabled ssl verify required
    server c 10.0.0.3:6443 check ssl port 6444 addr 127.0.0.1
    server d 10.0.0.4 check
`);
    const [a, b, c, d] = config.backends[0]?.servers ?? [];
    assert.deepEqual([a?.interMs, a?.fastinterMs, a?.downinterMs, a?.fall, a?.rise, a?.weight, a?.backup, a?.check], [3000, 500, 60000, 5, 4, 10, true, true]);
    assert.deepEqual([b?.disabled, b?.check, b?.ssl, b?.checkSsl, b?.verify, b?.interMs, b?.fall, b?.rise], [true, false, true, true, 'required', 2000, 3, 2]);
    // `ssl` encrypts checks too, unless they are sent to another port/address.
    assert.deepEqual([c?.ssl, c?.checkSsl, c?.checkPort, c?.checkAddr], [true, false, 6444, '127.0.0.1']);
    assert.equal(d?.port, 0);
    assert.ok(diagnostics.some((x) => x.code === 'HAP_SERVER_NO_PORT' && x.severity === 'info'));
  });

  test('default-server: from defaults, overridden in the section, applying only to later servers', () => {
    const { config } = parse(`defaults
    default-server inter 5s fall 2
backend be
    server a 10.0.0.1:6443 check
    default-server inter 1s check-ssl
    server b 10.0.0.2:6443 check
    server c 10.0.0.3:6443 check inter 7s no-check-ssl
`);
    const [a, b, c] = config.backends[0]?.servers ?? [];
    assert.deepEqual([a?.interMs, a?.fall, a?.checkSsl], [5000, 2, false]);
    assert.deepEqual([b?.interMs, b?.fall, b?.checkSsl], [1000, 2, true]);
    assert.deepEqual([c?.interMs, c?.fall, c?.checkSsl], [7000, 2, false]);
  });

  test('server without address, bad numbers and bad times are errors with positions', () => {
    const { config, diagnostics } = parse(`backend be
    server lonely
    server a 10.0.0.1:6443 fall x rise 0 inter 3q weight 300
    server a 10.0.0.2:6443
    server b 10.0.0.3:6443 chek
`);
    const errs = errors(diagnostics).map((d) => [d.code, d.line, d.col]);
    assert.deepEqual(errs, [
      ['HAP_SERVER_NO_ADDRESS', 2, 12],
      ['HAP_BAD_NUMBER', 3, 33],
      ['HAP_BAD_NUMBER', 3, 40],
      ['HAP_BAD_TIME', 3, 48],
      ['HAP_BAD_NUMBER', 3, 58],
      ['HAP_DUPLICATE_SERVER', 4, 12],
      ['HAP_UNKNOWN_SERVER_PARAM', 5, 28],
    ]);
    const w = diagnostics.find((d) => d.code === 'HAP_UNKNOWN_SERVER_PARAM');
    assert.match(w?.hint ?? '', /check/);
    // The servers that could be read are kept.
    assert.equal(config.backends[0]?.servers.length, 3);
  });
});

describe('robustness', () => {
  test('a missing file, an empty file, CRLF line ends and stray bytes never throw', () => {
    const missing = parseHaproxy(memoryFileSource({}), '/nope.cfg');
    assert.deepEqual(codes(missing.diagnostics), ['HAP_FILE_MISSING']);
    assert.deepEqual(parse('').config.frontends, []);
    const crlf = parse('frontend fe\r\n    bind *:6443\r\n    default_backend be\r\nbackend be\r\n');
    assert.deepEqual(errors(crlf.diagnostics), []);
    assert.equal(crlf.config.frontends[0]?.binds[0]?.port, 6443);
    const junk = parse('\u0000\u0001 {}}"\n\tfrontend\n backend "" \n');
    assert.ok(junk.diagnostics.length > 0);
  });
});

describe('server-template', () => {
  test('a count expands to <prefix>1..N, a range to <prefix>low..high, each with the address and parameters', () => {
    const { config, diagnostics } = parse(MIN + '    server-template m 2 10.0.0.21:6443 check weight 0\n    server-template k 3-4 10.0.0.22:6443\n');
    assert.deepEqual(errors(diagnostics), []);
    const be = config.backends.find((b) => b.name === 'be');
    assert.deepEqual(be?.servers.map((s) => [s.name, s.address, s.port, s.check, s.weight]), [
      ['m1', '10.0.0.21', 6443, true, 0],
      ['m2', '10.0.0.21', 6443, true, 0],
      ['k3', '10.0.0.22', 6443, false, undefined],
      ['k4', '10.0.0.22', 6443, false, undefined],
    ]);
  });
  test('a range that is not a number is an error with the place', () => {
    const { diagnostics } = parse(MIN + '    server-template m x 10.0.0.21:6443\n');
    assert.ok(errors(diagnostics).some((d) => d.code === 'HAP_SERVER_NO_ADDRESS'));
  });
});
