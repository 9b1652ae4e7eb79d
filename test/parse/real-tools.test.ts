import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { parseHaproxy } from '../../src/parse/haproxy/index.js';
import { parseKeepalived } from '../../src/parse/keepalived/index.js';

/**
 * The parsers agree with the real tools on what is valid: every fixture config and a table of hand-made cases go
 * through `haproxy -c -f` (2.6) and `keepalived -t -f` (2.2.7). HAProxy: exit 1 ⇔ an error diagnostic. keepalived
 * exits non-zero on warnings too, so: exit ≠ 0 ⇔ a warning or error diagnostic. keepalived runs as root in a
 * throwaway network namespace holding veth interfaces named as the config wants; nothing touches the host's network.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SEEDS = join(FIXTURES, 'seeds');
const BROWNFIELD = join(FIXTURES, 'brownfield');
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'kubeha-parse-tools-'));
after(() => rmSync(work, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const fixtures = (name: string): string[] => [...walk(SEEDS), ...walk(BROWNFIELD)].filter((p) => p.endsWith(name)).sort();
const hasSeverity = (ds: Diagnostic[], ...sev: string[]): boolean => ds.some((d) => sev.includes(d.severity));

// ---------- HAProxy ----------

function haproxyCheck(text: string, env: Record<string, string> = {}): { status: number | null; out: string } {
  const f = join(work, `h-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(f, text);
  const r = spawnSync('haproxy', ['-c', '-f', f], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const LISTEN = 'frontend fe\n    bind 127.0.0.1:16443\n    default_backend be\n';

/** [name, config, whether HAProxy accepts it, the parser's error code when not, env]. */
const HAPROXY_CASES: [string, string, boolean, string?, Record<string, string>?][] = [
  ['tcp-request rules in an anonymous defaults', `defaults\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n    tcp-request inspect-delay 5s\n    tcp-request content reject\n${LISTEN}backend be\n    server a 10.0.0.1:6443 check\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['tcp-request rules in a named defaults used by a frontend only', `defaults edge\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n    tcp-request inspect-delay 5s\n    tcp-request content reject unless { req.ssl_hello_type 1 }\ndefaults plain\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n${LISTEN.replace('frontend fe', 'frontend fe from edge')}backend be from plain\n    server a 10.0.0.1:6443 check\n`, true],
  ['a frontend and a backend inheriting one defaults with tcp-request rules', `defaults edge\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n    tcp-request content reject\n${LISTEN.replace('frontend fe', 'frontend fe from edge')}backend be from edge\n    server a 10.0.0.1:6443 check\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['a listen inheriting a defaults with tcp-request rules', `defaults edge\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n    tcp-request content reject\nlisten k from edge\n    bind 127.0.0.1:16443\n    server a 10.0.0.1:6443 check\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['tcp-request connection/content rules and accept-proxy in a frontend', `defaults\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\nfrontend fe\n    bind 127.0.0.1:16443 accept-proxy\n    bind :::16444 v4v6 v6only\n    tcp-request inspect-delay 5s\n    tcp-request connection expect-proxy layer4 if { dst_port 16443 }\n    tcp-request connection accept\n    tcp-request content reject unless { req.ssl_hello_type 1 }\n    default_backend be\nbackend be\n    server a 10.0.0.1:6443 check\n`, true],
  ['named defaults and from', `defaults apis\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\n${LISTEN}backend be from apis\n    server a 10.0.0.1:6443 check\n`, true],
  ['environment variables', `${LISTEN.replace('127.0.0.1:16443', '"${ADDR}:16443"')}backend be\n    server a "\${M1}:6443" check\n`, true, undefined, { ADDR: '127.0.0.1', M1: '10.0.0.1' }],
  ['every bind form', `frontend fe\n    bind *:16443\n    bind :16444\n    bind 0.0.0.0:16445\n    bind 127.0.0.1:16446-16448\n    bind 127.0.0.1:16449,127.0.0.1:16450\n    bind ipv4@127.0.0.1:16451\n    default_backend be\nbackend be\n`, true],
  ['health checks and server keywords', `${LISTEN}backend be\n    option httpchk GET /readyz HTTP/1.1\n    http-check send hdr Host kubernetes\n    http-check expect status 200\n    default-server inter 3s fastinter 1s downinter 5s fall 3 rise 2\n    server a 10.0.0.1:6443 check check-ssl verify none weight 10\n    server b 10.0.0.2:6443 check ssl verify none backup port 6444 addr 10.0.0.9\n    server c 10.0.0.3:6443 disabled\n`, true],
  ['kubeadm HA guide backend (http-check connect ssl)', `${LISTEN}backend be\n    option httpchk\n    http-check connect ssl\n    http-check send meth GET uri /healthz\n    http-check expect status 200\n    server m1 10.0.0.21:6443 check verify none\n`, true],
  ['tcp-check, redispatch, retries, stats page', `${LISTEN}backend be\n    option tcp-check\n    tcp-check connect port 6443\n    option redispatch\n    retries 3\n    server a 10.0.0.1:6443 check\nlisten stats\n    mode http\n    bind 127.0.0.1:18080\n    stats enable\n    stats uri /stats\n    stats auth admin:secret\n    stats realm HAProxy\\ Statistics\n`, true],
  ['conditional blocks', `.if version_atleast(2.4)\n${LISTEN}.else\n    nonsense here\n.endif\nbackend be\n.if defined(NOPE) || streq(a,b)\n    nonsense\n.elif !defined(NOPE) && strneq(a,b)\n    server a 10.0.0.1:6443 check\n.else\n    nonsense\n.endif\n`, true],
  ['ssl to a server with verification on and no ca-file (HAProxy refuses to start)', `${LISTEN}backend be\n    server a 10.0.0.1:6443 check ssl\n`, false, 'HAP_SSL_VERIFY_NO_CA'],
  ['check-ssl from default-server in defaults, verification on, no ca-file', `defaults\n    mode tcp\n    default-server check-ssl\n${LISTEN}backend be\n    server a 10.0.0.1:6443 check\n`, false, 'HAP_SSL_VERIFY_NO_CA'],
  ['ssl with ssl-server-verify none in global, a ca-file, or verify none', `global\n    ssl-server-verify none\n${LISTEN}backend be\n    server a 10.0.0.1:6443 check ssl send-proxy-v2 sni str(kubernetes)\n    server b 10.0.0.2:6443 check ssl verify required ca-file /etc/ssl/certs/ca-certificates.crt\n    server c 10.0.0.3:6443 check check-ssl verify none check-send-proxy\n`, true],
  ['bind transparent, interface, v6only, v4v6; acl and use_backend conditions', `frontend fe\n    bind 127.0.0.1:16443 transparent interface lo\n    bind :::16444 v6only\n    bind :::16445 v4v6\n    tcp-request inspect-delay 5s\n    acl k8s req.ssl_sni -i kubernetes\n    use_backend be if k8s || { dst_port 16444 }\n    default_backend be\nbackend be\n    server a 10.0.0.1:6443 check\n`, true],
  ['a checked server without a port (HAProxy refuses to start)', `${LISTEN}backend be\n    server a 10.0.0.1 check\n`, false, 'HAP_CHECK_NO_PORT'],
  ['a checked server with a port offset and no check port', `${LISTEN}backend be\n    server a 10.0.0.1:+0 check\n`, false, 'HAP_CHECK_NO_PORT'],
  ['http-check connect port without an explicit send is not the first rule', `${LISTEN}backend be\n    option httpchk\n    http-check connect port 6443\n    server a 10.0.0.1 check\n`, false, 'HAP_CHECK_NO_PORT'],
  ['a port-less server checked on port N, by default-server, tcp-check connect or http-check connect + send', `${LISTEN}backend be\n    default-server port 6443\n    server a 10.0.0.1 check\n    server b 10.0.0.2:+0 check\nbackend be2\n    option tcp-check\n    tcp-check connect port 6443\n    server c 10.0.0.3 check\nbackend be3\n    option httpchk\n    http-check connect port 6443 ssl\n    http-check send meth GET uri /readyz\n    server d 10.0.0.4 check verify none\n    server e 10.0.0.5 verify none\n`, true],
  ['a connect ssl check rule: every server of the backend verifies, checked or not', `${LISTEN}backend be\n    option tcp-check\n    tcp-check connect ssl\n    server a 10.0.0.1:6443 check verify none\n    server b 10.0.0.2:6443\n`, false, 'HAP_SSL_VERIFY_NO_CA'],
  ['tcp-check connect port after a send is a second connect: the first, implicit one has no port', `${LISTEN}backend be\n    option tcp-check\n    tcp-check send PING\\r\\n\n    tcp-check connect port 6443\n    server a 10.0.0.1 check\n`, false, 'HAP_CHECK_NO_PORT'],
  ['disabled and enabled (a defaults disabled undone by enabled)', `defaults\n    disabled\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend fe\n    enabled\n    bind 127.0.0.1:16443\n    default_backend be\nbackend be\n    server a 10.0.0.1:6443\n`, true],
  ['disabled takes no argument', `${LISTEN}    disabled now\nbackend be\n`, false, 'HAP_EXTRA_ARGS'],
  ['nbproc (removed in 2.5)', `global\n    nbproc 2\n${LISTEN}backend be\n`, false, 'HAP_REMOVED_KEYWORD'],
  ['redirect in defaults', `defaults\n    redirect scheme https if TRUE\n${LISTEN}backend be\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['stick-table in defaults', `defaults\n    stick-table type ip size 1m\n${LISTEN}backend be\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['acl in an anonymous defaults', `defaults\n    acl local src 127.0.0.1\n${LISTEN}backend be\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['http-request in an anonymous defaults', `defaults\n    http-request set-header X-A b\n${LISTEN}backend be\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
  ['acl and http-request in a named defaults, used by the frontend only', `defaults edge\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n    acl local src 127.0.0.1\n    http-request set-header X-A b\ndefaults plain\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n${LISTEN.replace('frontend fe', 'frontend fe from edge')}backend be from plain\n    server a 10.0.0.1:6443\n`, true],
  ['server ws h1, port 0, port 70000; global h2-workaround-bogus-websocket-clients', `global\n    h2-workaround-bogus-websocket-clients\n${LISTEN}backend be\n    server a 10.0.0.1:6443 check ws h1 port 0\n    server b 10.0.0.2:6443 check port 70000\n`, true],
  ['an unknown bind keyword', `frontend fe\n    bind 127.0.0.1:16443 tls-tickets\n    default_backend be\nbackend be\n`, false, 'HAP_UNKNOWN_KEYWORD'],
  ['bind keywords with values and flags', `frontend fe\n    bind 127.0.0.1:16443 name api defer-accept tfo backlog 1024 mss 1400 maxconn 100 id 7 nice 10 tcp-ut 30s accept-netscaler-cip 1234\n    default_backend be\nbackend be\n`, true],
  ['balance in a frontend (a warning, ignored)', `${LISTEN}    balance roundrobin\nbackend be\n`, true],
  ['an unknown tcp-request layer', `${LISTEN}    tcp-request foo accept\nbackend be\n`, false, 'HAP_BAD_VALUE'],
  ['a disabled backend: its servers are not initialised (no port, ssl without a ca-file)', `${LISTEN}backend be\n    disabled\n    server a 10.0.0.1 check\n    server b 10.0.0.2:6443 check ssl\n`, true],
  ['.alert', `${LISTEN}backend be\n.if version_atleast(2.0)\n.alert "not supported"\n.endif\n`, false, 'HAP_ALERT'],
  ['unclosed .if', `${LISTEN}backend be\n.if 1\n`, false, 'HAP_BAD_CONDITIONAL'],
  ['defaults used with from and implicitly (an ALERT, yet exit 0)', `defaults a\n    mode tcp\n    timeout client 1s\n    timeout connect 1s\n    timeout server 1s\nfrontend fe from a\n    bind 127.0.0.1:16443\n    default_backend be\nbackend be\n    server s 10.0.0.1:6443\n`, true],
  ['unterminated quote', `${LISTEN}    stats auth "admin:pw\nbackend be\n`, false, 'HAP_UNTERMINATED_QUOTE'],
  ['server without address', `${LISTEN}backend be\n    server lonely\n`, false, 'HAP_SERVER_NO_ADDRESS'],
  ['unknown default_backend', `${LISTEN}backend bee\n`, false, 'HAP_UNKNOWN_BACKEND'],
  ['bad time', `${LISTEN}backend be\n    timeout server 10x\n`, false, 'HAP_BAD_TIME'],
  ['unknown section', `${LISTEN}backnd be\n`, false, 'HAP_UNKNOWN_SECTION'],
  ['bad number', `${LISTEN}backend be\n    server a 10.0.0.1:6443 fall x\n`, false, 'HAP_BAD_NUMBER'],
  ['unknown defaults in from', `defaults apis\n    mode tcp\n${LISTEN}backend be from apsi\n`, false, 'HAP_UNKNOWN_DEFAULTS'],
  ['duplicate backend', `${LISTEN}backend be\nbackend be\n`, false, 'HAP_DUPLICATE_PROXY'],
  ['unknown keyword', `${LISTEN}backend be\n    compresion algo gzip\n`, false, 'HAP_UNKNOWN_KEYWORD'],
  ['unknown option', `${LISTEN}backend be\n    option redispatchh\n`, false, 'HAP_UNKNOWN_KEYWORD'],
  ['removed option', `${LISTEN}backend be\n    option http-tunnel\n`, false, 'HAP_REMOVED_KEYWORD'],
  ['every option HAProxy 2.6 knows', `${LISTEN}backend be\n    option abortonclose\n    option allbackups\n    option dontlognull\n    option log-health-checks\n    option prefer-last-server\n    option splice-auto\n    option tcp-smart-connect\n    option srvtcpka\n    no option redispatch\n`, true],
  ['unknown server keyword', `${LISTEN}backend be\n    server a 10.0.0.1:6443 chek\n`, false, 'HAP_UNKNOWN_SERVER_PARAM'],
  ['bad mode', `${LISTEN}backend be\n    mode foo\n`, false, 'HAP_BAD_VALUE'],
  ['bad port', `frontend fe\n    bind *:70000\n    default_backend be\nbackend be\n`, false, 'HAP_BAD_PORT'],
  ['server in a frontend', `${LISTEN}    server a 10.0.0.1:1\nbackend be\n`, false, 'HAP_KEYWORD_NOT_ALLOWED'],
];

describe('haproxy -c agrees with parseHaproxy', { skip: has('haproxy') ? false : 'haproxy is not installed (scripts/setup.sh installs it)' }, () => {
  // HAProxy's own example configs, as a corpus; a failure caused by a file the example names (a certificate) is
  // about this machine, not the syntax, and is skipped.
  const EXAMPLES = '/usr/share/doc/haproxy/examples';
  const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((n) => n.endsWith('.cfg')).sort() : [];
  for (const n of examples) {
    test(`haproxy example ${n}`, (t) => {
      const text = readFileSync(join(EXAMPLES, n), 'utf8');
      const tool = haproxyCheck(text);
      if (/unable to stat|No such file/.test(tool.out)) return t.skip('needs files this machine does not have');
      const { diagnostics } = parseHaproxy(memoryFileSource({ '/h.cfg': text }), '/h.cfg');
      assert.equal(tool.status === 1, hasSeverity(diagnostics, 'error'), `haproxy -c exit ${tool.status}:\n${tool.out}\nparser: ${JSON.stringify(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))}`);
    });
  }

  for (const f of fixtures('haproxy.cfg')) {
    test(`fixture ${relative(FIXTURES, f)}`, () => {
      const text = readFileSync(f, 'utf8');
      const tool = haproxyCheck(text);
      const { diagnostics } = parseHaproxy(memoryFileSource({ [f]: text }), f);
      assert.equal(tool.status, 0, tool.out);
      assert.equal(hasSeverity(diagnostics, 'error'), false, JSON.stringify(diagnostics.filter((d) => d.severity === 'error')));
    });
  }
  for (const [name, text, valid, code, env] of HAPROXY_CASES) {
    test(`${valid ? 'valid' : 'invalid'}: ${name}`, () => {
      const tool = haproxyCheck(text, env);
      const { diagnostics } = parseHaproxy(memoryFileSource({ '/h.cfg': text }), '/h.cfg', env ? { env } : {});
      assert.equal(tool.status === 0, valid, `haproxy -c: ${tool.out}`);
      if (valid) assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
      else assert.ok(diagnostics.some((d) => d.severity === 'error' && d.code === code), `expected ${code ?? ''}: ${JSON.stringify(diagnostics.map((d) => d.code))}`);
    });
  }
});

// ---------- keepalived ----------

const SECURE = 'global_defs {\n    script_user root\n    enable_script_security\n}\n';
/** [name, config, whether keepalived -t is silent and exits 0, the parser's code when not]. */
const KEEPALIVED_CASES: [string, string, boolean, string?][] = [
  [
    'everything modelled, clean',
    `${SECURE}vrrp_script chk {\n    script "/bin/true"\n    interval 2\n    weight -20\n    fall 2\n    rise 2\n}\nvrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    nopreempt\n    authentication {\n        auth_type PASS\n        auth_pass 12345678\n    }\n    unicast_src_ip 10.0.0.2\n    unicast_peer {\n        10.0.0.3\n    }\n    virtual_ipaddress {\n        10.0.0.10/32 dev eth0\n    }\n    track_script {\n        chk weight -30\n    }\n    track_interface {\n        eth1 weight -10\n    }\n}\n`,
    true,
  ],
  ['braces on the next line, comments', `${SECURE}vrrp_instance VI_1\n{\n    interface eth0  ! here\n    virtual_router_id 51  # there\n    virtual_ipaddress\n    {\n        10.0.0.10\n    }\n}\n`, true],
  ['unclosed brace', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n`, false, 'KA_UNCLOSED_BRACE'],
  ['extra closing brace', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n}\n`, false, 'KA_UNBALANCED_BRACE'],
  ['unknown section', `${SECURE}vrrp_instanc VI_1 {\n    interface eth0\n}\n`, false, 'KA_UNKNOWN_SECTION'],
  ['bad number', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority abc\n}\n`, false, 'KA_BAD_NUMBER'],
  ['missing virtual_router_id', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n}\n`, false, 'KA_MISSING_VRID'],
  ['auth_pass longer than 8', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    authentication {\n        auth_type PASS\n        auth_pass 123456789\n    }\n}\n`, false, 'KA_AUTH_PASS_TRUNCATED'],
  ['script without script security', `vrrp_script chk {\n    script "/bin/true"\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    track_script {\n        chk\n    }\n}\n`, false, 'KA_SCRIPT_SECURITY'],
  ['undeclared track script', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    track_script {\n        nope\n    }\n}\n`, false, 'KA_UNKNOWN_TRACKER'],
  ['tracking its own interface', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    track_interface {\n        eth0\n    }\n}\n`, false, 'KA_TRACK_OWN_INTERFACE'],
  ['lower-case state', `${SECURE}vrrp_instance VI_1 {\n    state master\n    interface eth0\n    virtual_router_id 51\n}\n`, false, 'KA_BAD_VALUE'],
  ['AH with initial state MASTER', `${SECURE}vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    authentication {\n        auth_type AH\n        auth_pass secret\n    }\n}\n`, false, 'KA_AH_MASTER'],
  ['authentication with VRRPv3', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n}\n`, false, 'KA_AUTH_IGNORED'],
  ['authentication with vrrp_strict', `global_defs {\n    vrrp_strict\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n}\n`, false, 'KA_AUTH_IGNORED'],
  ['unknown keyword', `${SECURE}vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priorty 100\n}\n`, false, 'KA_UNKNOWN_KEYWORD'],
];

const keepalivedSkip = !isRoot
  ? 'keepalived -t needs root (a network namespace with the configured interfaces)'
  : !has('keepalived') || !has('ip')
    ? 'keepalived or ip is missing (scripts/setup.sh installs them)'
    : false;

describe('keepalived -t agrees with parseKeepalived', { skip: keepalivedSkip }, () => {
  const ns = `kubeha-parse-${process.pid}`;
  const made = new Set<string>();
  before(() => {
    const r = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });
  /** veth pairs live only inside the namespace; the kernel here has no dummy module. */
  const ensureInterface = (name: string): void => {
    if (name === '' || made.has(name)) return;
    const r = spawnSync('ip', ['-n', ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name.slice(0, 12)}p`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    spawnSync('ip', ['-n', ns, 'link', 'set', name, 'up']);
    made.add(name);
  };
  const keepalivedCheck = (file: string): { status: number | null; out: string } => {
    const pid = join(work, `ka-${process.pid}`);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', file, '-p', `${pid}.pid`, '-r', `${pid}-vrrp.pid`, '-c', `${pid}-check.pid`], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const agree = (file: string, text: string): { tool: { status: number | null; out: string }; diagnostics: Diagnostic[] } => {
    const { config, diagnostics } = parseKeepalived(memoryFileSource({ [file]: text }), file);
    for (const i of config.instances) for (const n of [i.interface, ...i.trackInterfaces.map((t) => t.name)]) ensureInterface(n);
    return { tool: keepalivedCheck(file), diagnostics };
  };

  for (const f of walk(SEEDS).filter((p) => p.endsWith('keepalived.conf')).sort()) {
    test(`fixture ${relative(FIXTURES, f)}`, (t) => {
      const text = readFileSync(f, 'utf8');
      const { config } = parseKeepalived(memoryFileSource({ [f]: text }), f);
      const missing = Object.values(config.scripts).map((s) => s.script.split(/\s+/)[0] ?? '').filter((cmd) => !(cmd.startsWith('/') ? existsSync(cmd) : has(cmd)));
      if (missing.length > 0) return t.skip(`check command(s) not installed here: ${missing.join(', ')}`);
      const { tool, diagnostics } = agree(f, text);
      const flagged = hasSeverity(diagnostics, 'warning', 'error');
      assert.equal(tool.status !== 0, flagged, `keepalived -t exit ${tool.status}:\n${tool.out}\nparser: ${JSON.stringify(diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code))}`);
    });
  }
  // Brownfield mirrors: the host's /etc/keepalived is copied to a scratch directory with its absolute paths
  // rewritten, so that `include` globs and check scripts resolve for keepalived -t exactly as for the parser.
  for (const f of walk(BROWNFIELD).filter((p) => p.endsWith('/etc/keepalived/keepalived.conf')).sort()) {
    test(`fixture ${relative(FIXTURES, f)} (with its includes and scripts)`, () => {
      const srcDir = dirname(f);
      const copy = mkdtempSync(join(work, 'bf-'));
      cpSync(srcDir, copy, { recursive: true });
      const files: Record<string, string> = {};
      for (const p of walk(copy)) {
        const text = readFileSync(p, 'utf8').replaceAll('/etc/keepalived/', `${copy}/`);
        writeFileSync(p, text);
        files[p] = text;
      }
      const main = join(copy, 'keepalived.conf');
      const { config, diagnostics } = parseKeepalived(memoryFileSource(files), main);
      assert.ok(config.instances.length > 0, 'the instance is read (through includes)');
      for (const i of config.instances) for (const n of [i.interface, ...i.trackInterfaces.map((t) => t.name)]) ensureInterface(n);
      const tool = keepalivedCheck(main);
      assert.equal(tool.status !== 0, hasSeverity(diagnostics, 'warning', 'error'), `keepalived -t exit ${tool.status}:\n${tool.out}\nparser: ${JSON.stringify(diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code))}`);
    });
  }
  // keepalived's own sample configs: a corpus written by its authors. Those whose only warnings concern features
  // the model does not describe (static routes and rules, LVS) are skipped with the reason.
  const SAMPLES = '/usr/share/doc/keepalived/samples';
  const UNMODELLED: Record<string, string> = {
    'keepalived.conf.fwmark': 'LVS virtual_server protocol warning',
    'keepalived.conf.vrrp.routes': 'static route tracking warnings',
    'keepalived.conf.vrrp.rules': 'ip rule warnings',
    'keepalived.conf.vrrp.static_ipaddress': 'static route tracking warning',
    'keepalived.conf.track_interface': 'static route tracking warning',
  };
  const samples = existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((n) => n.startsWith('keepalived.conf.')).sort() : [];
  for (const n of samples) {
    test(`keepalived sample ${n}`, (t) => {
      if (UNMODELLED[n]) return t.skip(UNMODELLED[n]);
      const f = join(SAMPLES, n);
      const { tool, diagnostics } = agree(f, readFileSync(f, 'utf8'));
      assert.equal(tool.status !== 0, hasSeverity(diagnostics, 'warning', 'error'), `keepalived -t exit ${tool.status}:\n${tool.out}\nparser: ${JSON.stringify(diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code))}`);
    });
  }

  for (const [name, text, clean, code] of KEEPALIVED_CASES) {
    test(`${clean ? 'clean' : 'flagged'}: ${name}`, () => {
      const file = join(work, `k-${name.replace(/\W+/g, '-')}.conf`);
      writeFileSync(file, text);
      const { tool, diagnostics } = agree(file, text);
      assert.equal(tool.status === 0, clean, `keepalived -t exit ${tool.status}:\n${tool.out}`);
      if (clean) assert.deepEqual(diagnostics.filter((d) => d.severity !== 'info'), []);
      else assert.ok(diagnostics.some((d) => d.code === code && d.severity !== 'info'), `expected ${code ?? ''}: ${JSON.stringify(diagnostics.map((d) => d.code))}`);
    });
  }
});
