import type { Code } from '../diag/catalog.js';
import { didYouMean, type Diagnostic } from '../diag/diagnostic.js';
import type {
  Backend,
  Bind,
  Frontend,
  HaproxyConfig,
  HealthCheckKind,
  Server,
  StatsPage,
  Timeouts,
} from '../model/types.js';
import type { FileSource } from './file-source.js';
import { lexHaproxy, type LexedLine } from './haproxy-lexer.js';
import { DiagnosticSink, parseIntStrict, refOf, type Token } from './sink.js';

/**
 * haproxy.cfg → HaproxyConfig, in three stages like eemeli/yaml: lex (./haproxy-lexer.ts: words with positions),
 * structure (lines grouped into sections), compose (sections → model, with `defaults` inheritance, named defaults and
 * `from`, position-dependent `default-server`). Semantics follow the HAProxy 2.6 configuration manual.
 * Bad input never throws; every problem is a Diagnostic with a stable code (HAP_*) and file:line:col.
 */
export interface ParseHaproxyOptions {
  /** Environment seen by HAProxy at start-up, for `"${VAR}"` expansion. */
  env?: Readonly<Record<string, string>>;
}

export interface ParsedHaproxy {
  config: HaproxyConfig;
  diagnostics: Diagnostic[];
}

/** HAProxy's defaults for server check timers (manual §5.2: inter 2s, fall 3, rise 2). */
export const HAPROXY_DEFAULTS = { interMs: 2000, fall: 3, rise: 2 } as const;

const SECTIONS = ['global', 'defaults', 'frontend', 'backend', 'listen'] as const;
type SectionKind = (typeof SECTIONS)[number];
/** Sections HAProxy knows that do not describe traffic to the apiservers; their content is skipped (info). */
/** Every `option` name HAProxy 2.6.12 accepts (each checked with `haproxy -c`); any other is an ALERT. */
const KNOWN_OPTIONS = new Set([
  'abortonclose', 'accept-invalid-http-request', 'accept-invalid-http-response', 'allbackups', 'checkcache', 'clitcpka', 'contstats',
  'disable-h2-upgrade', 'dontlog-normal', 'dontlognull', 'external-check', 'forwardfor', 'h1-case-adjust-bogus-client',
  'h1-case-adjust-bogus-server', 'http-buffer-request', 'http-ignore-probes', 'http-keep-alive', 'http-no-delay', 'http-pretend-keepalive',
  'http-restrict-req-hdr-names', 'http-server-close', 'http-use-proxy-header', 'httpchk', 'httpclose', 'httplog', 'httpslog',
  'idle-close-on-response', 'independent-streams', 'ldap-check', 'log-health-checks', 'log-separate-errors', 'logasap', 'mysql-check',
  'nolinger', 'originalto', 'persist', 'pgsql-check', 'prefer-last-server', 'redis-check', 'redispatch', 'smtpchk', 'socket-stats',
  'splice-auto', 'splice-request', 'splice-response', 'spop-check', 'srvtcpka', 'ssl-hello-chk', 'tcp-check', 'tcp-smart-accept',
  'tcp-smart-connect', 'tcpka', 'tcplog', 'transparent',
]);
/** Options HAProxy 2.6 rejects as removed. */
const REMOVED_OPTIONS: Record<string, string> = {
  'http-tunnel': "removed in HAProxy 2.1: remove the line",
  forceclose: "removed in HAProxy 2.0: remove the line (or use 'option httpclose')",
};

const OTHER_SECTIONS = [
  'userlist', 'peers', 'resolvers', 'mailers', 'program', 'http-errors', 'ring', 'cache', 'fcgi-app', 'log-forward', 'dynamic-update',
];

export function parseHaproxy(fs: FileSource, path: string, opts: ParseHaproxyOptions = {}): ParsedHaproxy {
  const sink = new DiagnosticSink();
  const config: HaproxyConfig = { at: { file: path, line: 1 }, global: { statsSockets: [] }, frontends: [], backends: [], unknown: [] };
  const text = fs.readFile(path);
  if (text === undefined) {
    sink.error('HAP_FILE_MISSING', `cannot read ${path}`, path, undefined, 'check the path; the file must be a readable text file');
    return { config, diagnostics: sink.diagnostics };
  }
  sink.addFile(path, text);
  const lines = lexHaproxy(text, path, sink, { env: opts.env ?? {} });
  new Composer(path, sink, config, opts.env ?? {}).run(lines);
  return { config, diagnostics: sink.diagnostics };
}

// ---------- compose ----------

interface ServerParams {
  check?: boolean;
  checkSsl?: boolean;
  ssl?: boolean;
  verify?: string;
  interMs?: number;
  fastinterMs?: number;
  downinterMs?: number;
  fall?: number;
  rise?: number;
  backup?: boolean;
  disabled?: boolean;
  weight?: number;
  checkPort?: number;
  checkAddr?: string;
}

type CheckOption =
  | { kind: 'httpchk'; method: string; path: string; version?: string; host?: string }
  | { kind: 'tcp-check' }
  | { kind: 'ssl-hello' }
  | { kind: 'other'; option: string };

/** Everything a `defaults` section passes on to the proxies that follow it. */
interface Settings {
  mode?: 'tcp' | 'http';
  balance?: string;
  timeouts: Timeouts;
  check?: CheckOption;
  httpSend?: { method?: string; path?: string; version?: string; host?: string };
  /** `http-check connect [port N] [ssl] …`: the check's own connection (2.2+); `ssl` makes it TLS. */
  httpConnect?: { ssl: boolean };
  httpExpect?: string;
  tcpSteps: string[];
  redispatch?: boolean;
  retries?: number;
  defaultServer: ServerParams;
  stats?: StatsPage;
}

interface Proxy {
  kind: 'frontend' | 'backend' | 'listen';
  name: string;
  nameTok: Token;
  s: Settings;
  /** Whether http-check/tcp-check rules were written in this section (they then replace inherited ones). */
  ownHttpRules: boolean;
  ownTcpRules: boolean;
  binds: Bind[];
  defaultBackend?: { name: string; tok: Token };
  useBackends: { name: string; tok: Token }[];
  servers: Server[];
}

function emptySettings(): Settings {
  return { timeouts: {}, tcpSteps: [], defaultServer: {} };
}

function cloneSettings(s: Settings): Settings {
  return structuredClone(s);
}

const SERVER_FLAGS = new Set([
  'check', 'no-check', 'check-ssl', 'no-check-ssl', 'ssl', 'no-ssl', 'backup', 'no-backup', 'disabled', 'enabled',
  'send-proxy', 'no-send-proxy', 'send-proxy-v2', 'no-send-proxy-v2', 'send-proxy-v2-ssl', 'no-send-proxy-v2-ssl',
  'send-proxy-v2-ssl-cn', 'no-send-proxy-v2-ssl-cn', 'agent-check', 'no-agent-check', 'allow-0rtt', 'check-send-proxy',
  'no-check-send-proxy', 'non-stick', 'stick', 'tfo', 'no-tfo', 'no-tls-tickets', 'tls-tickets', 'force-sslv3', 'force-tlsv10',
  'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'ssl-reuse',
  'no-ssl-reuse', 'check-via-socks4', 'ws',
]);
const SERVER_VALUES = new Set([
  'addr', 'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'ca-file', 'check-alpn', 'check-proto', 'check-sni',
  'ciphers', 'ciphersuites', 'cookie', 'crl-file', 'crt', 'downinter', 'error-limit', 'fall', 'fastinter', 'id', 'init-addr',
  'inter', 'log-proto', 'maxconn', 'maxqueue', 'max-reuse', 'minconn', 'namespace', 'npn', 'observe', 'on-error', 'on-marked-down',
  'on-marked-up', 'pool-low-conn', 'pool-max-conn', 'pool-purge-delay', 'port', 'proto', 'redir', 'rise', 'resolve-opts',
  'resolve-prefer', 'resolve-net', 'resolvers', 'proxy-v2-options', 'slowstart', 'sni', 'socks4', 'ssl-max-ver',
  'ssl-min-ver', 'tcp-ut', 'track', 'verify', 'verifyhost', 'weight', 'source', 'usesrc',
 
]);

/** Proxy keywords HAProxy 2.6 accepts that the model does not describe (kept in `unknown`, info). */
const PROXY_KNOWN = new Set([
  'log', 'option', 'maxconn', 'acl', 'http-request', 'http-response', 'http-after-response', 'tcp-request', 'tcp-response',
  'capture', 'compression', 'cookie', 'description', 'errorfile', 'errorfiles', 'errorloc', 'errorloc302', 'errorloc303',
  'error-log-format', 'fullconn', 'hash-type', 'hash-balance-factor', 'monitor-uri', 'monitor', 'rate-limit', 'stick-table',
  'stick', 'unique-id-format', 'unique-id-header', 'use-server', 'redirect', 'email-alert', 'external-check', 'force-persist',
  'ignore-persist', 'persist', 'http-reuse', 'load-server-state-from-file', 'max-keep-alive-queue', 'max-session-srv-conns',
  'retry-on', 'server-template', 'source', 'dispatch', 'declare', 'enabled', 'disabled', 'filter', 'grace', 'id', 'log-format',
  'log-format-sd', 'log-tag', 'backlog', 'bind-process', 'http-error', 'http-send-name-header', 'server-state-file-name',
  'clitcpka-cnt', 'clitcpka-idle', 'clitcpka-intvl', 'srvtcpka-cnt', 'srvtcpka-idle', 'srvtcpka-intvl', 'use-fcgi-app',
  'default_backend', 'use_backend', 'mode', 'balance', 'timeout', 'bind', 'server', 'default-server', 'stats', 'retries',
  'http-check', 'tcp-check', 'no', 'dynamic-cookie-key',
]);

const GLOBAL_KNOWN = new Set([
  'log', 'log-send-hostname', 'log-tag', 'chroot', 'pidfile', 'maxconn', 'user', 'uid', 'group', 'gid', 'daemon', 'master-worker',
  'stats', 'nbthread', 'nbproc', 'cpu-map', 'ca-base', 'crt-base', 'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites',
  'ssl-default-bind-options', 'ssl-default-server-ciphersuites', 'ssl-default-server-options',
  'ssl-dh-param-file', 'tune.ssl.default-dh-param', 'spread-checks', 'ulimit-n', 'node', 'description', 'external-check',
  'insecure-fork-wanted', 'insecure-setuid-wanted', 'localpeer', 'lua-load', 'lua-prepend-path', 'setenv', 'presetenv',
  'resetenv', 'unsetenv', 'server-state-base', 'server-state-file', 'hard-stop-after', 'quiet', 'zero-warning', 'expose-experimental-directives',
  'h1-case-adjust', 'h1-case-adjust-file', 'set-dumpable', 'ssl-server-verify', 'maxsslconn', 'maxconnrate', 'maxsessrate',
  'maxcomprate', 'maxcompcpuusage', 'maxpipes', 'maxsslrate', 'maxzlibmem', 'noepoll', 'nopoll', 'nosplice', 'nogetaddrinfo',
  'noreuseport', 'profiling.tasks', 'busy-polling', 'numa-cpu-mapping', 'unix-bind', 'ssl-mode-async',
  'ssl-load-extra-files', 'ssl-skip-self-issued-ca', 'issuers-chain-path', 'httpclient.resolvers.prefer', 'httpclient.ssl.verify',
  'mworker-max-reloads', 'pp2-never-send-local', 'fd-hard-limit', 'strict-limits', 'thread-group', 'thread-groups',
  'localpeer', 'default-path', 'set-var', 'set-var-fmt', 'cluster-secret',
  'grace', 'close-spread-time',
]);

/** The HAProxy version `.if version_atleast()` is evaluated against (the one this project targets). */
export const HAPROXY_VERSION = '2.6.12';

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `5000`, `10s`, `1m`, `100ms`, `1h`, `1d`, `500us` → milliseconds; the default unit is ms (manual §2.5). */
export function parseHaproxyTime(s: string): number | undefined {
  const m = /^(\d{1,12})(us|ms|s|m|h|d)?$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return n / 1000;
    case 's':
      return n * 1000;
    case 'm':
      return n * 60_000;
    case 'h':
      return n * 3_600_000;
    case 'd':
      return n * 86_400_000;
    default:
      return n;
  }
}

class Composer {
  private section: SectionKind | 'other' | undefined;
  private otherName = '';
  private proxy: Proxy | undefined;
  private defaults: Settings | undefined;
  private defaultsTarget: Settings | undefined;
  private readonly named = new Map<string, Settings>();
  private readonly proxies: Proxy[] = [];

  constructor(
    private readonly file: string,
    private readonly sink: DiagnosticSink,
    private readonly config: HaproxyConfig,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  /** Open `.if` blocks: whether lines are read now, whether a branch was taken, where it opened. */
  private readonly conds: { active: boolean; taken: boolean; sawElse: boolean; tok: Token }[] = [];

  run(lines: LexedLine[]): void {
    for (const l of lines) {
      const kw = l.tokens[0];
      if (kw?.value.startsWith('.') && this.directive(l.tokens)) continue;
      if (this.conds.every((c) => c.active)) this.line(l.tokens);
    }
    for (const c of this.conds) this.err('HAP_BAD_CONDITIONAL', "'.if' without '.endif'", c.tok, "close the block with '.endif'");
    this.finishProxy();
    this.finish();
  }

  /**
   * Conditional blocks and messages (manual §2.4): `.if/.elif/.else/.endif`, `.diag/.notice/.warning/.alert`.
   * Returns false for words that are not directives (then the line is an ordinary keyword line).
   */
  private directive(toks: Token[]): boolean {
    const kw = toks[0] as Token;
    const outer = this.conds.slice(0, -1).every((c) => c.active);
    const top = this.conds[this.conds.length - 1];
    const cond = (): boolean => this.evalCondition(toks.slice(1), kw);
    switch (kw.value) {
      case '.if': {
        const live = this.conds.every((c) => c.active);
        const v = live ? cond() : false;
        this.conds.push({ active: live && v, taken: v, sawElse: false, tok: kw });
        return true;
      }
      case '.elif':
      case '.else':
        if (!top || top.sawElse) {
          this.err('HAP_BAD_CONDITIONAL', `'${kw.value}' without an open '.if'`, kw);
          return true;
        }
        if (kw.value === '.else') {
          top.sawElse = true;
          top.active = outer && !top.taken;
          top.taken = true;
        } else {
          const v = outer && !top.taken ? cond() : false;
          top.active = v;
          top.taken ||= v;
        }
        return true;
      case '.endif':
        if (!this.conds.pop()) this.err('HAP_BAD_CONDITIONAL', "'.endif' without an open '.if'", kw);
        return true;
      case '.diag':
      case '.notice':
      case '.warning':
      case '.alert': {
        if (!this.conds.every((c) => c.active)) return true;
        const msg = toks.slice(1).map((t) => t.value).join(' ');
        if (kw.value === '.alert') this.err('HAP_ALERT', `.alert: ${msg}`, kw, 'HAProxy refuses to start on an .alert line');
        else if (kw.value === '.warning') this.sink.warning('HAP_WARNING', `.warning: ${msg}`, this.file, kw);
        else this.sink.info('HAP_NOTICE', `${kw.value}: ${msg}`, this.file, kw);
        return true;
      }
      default:
        return false;
    }
  }

  /** `.if` conditions: `!`, `&&`, `||`, numbers, strings, defined(), feature(), streq(), strneq(), version_atleast(), version_before(). */
  private evalCondition(toks: Token[], at: Token): boolean {
    const text = toks.map((t) => t.value).join(' ').trim();
    if (text === '') {
      this.err('HAP_BAD_CONDITIONAL', `'${at.value}' needs a condition`, at);
      return false;
    }
    const term = (raw: string): boolean => {
      let t = raw.trim();
      let neg = false;
      while (t.startsWith('!')) {
        neg = !neg;
        t = t.slice(1).trim();
      }
      if (t.startsWith('(') && t.endsWith(')')) return neg !== expr(t.slice(1, -1));
      const m = /^([a-z_]+)\((.*)\)$/.exec(t);
      let v: boolean;
      if (!m) v = /^-?\d+$/.test(t) ? Number(t) !== 0 : t !== '';
      else {
        const args = (m[2] ?? '').split(',').map((a) => a.trim().replace(/^"(.*)"$/, '$1'));
        switch (m[1]) {
          case 'defined':
            v = args[0] !== undefined && this.env[args[0]] !== undefined;
            break;
          case 'streq':
            v = args[0] === args[1];
            break;
          case 'strneq':
            v = args[0] !== args[1];
            break;
          case 'version_atleast':
            v = compareVersions(HAPROXY_VERSION, args[0] ?? '') >= 0;
            break;
          case 'version_before':
            v = compareVersions(HAPROXY_VERSION, args[0] ?? '') < 0;
            break;
          default:
            this.sink.info('HAP_CONDITION_ASSUMED', `cannot evaluate '${t}' here; assumed true`, this.file, at);
            v = true;
        }
      }
      return neg !== v;
    };
    const expr = (e: string): boolean => e.split('||').some((alt) => alt.split('&&').every(term));
    return expr(text);
  }

  private err(code: Code, msg: string, t: Token, hint?: string): void {
    this.sink.error(code, msg, this.file, t, hint);
  }

  /**
   * Keeps a keyword the model does not describe. Known HAProxy keywords are an info; words HAProxy 2.6 does not
   * know are an error, as `haproxy -c` rejects them (the lists were checked against haproxy 2.6.12 itself).
   */
  private keepUnknown(keyword: string, t: Token, section: string, severity: 'info' | 'error' = 'info', hint?: string): void {
    this.config.unknown.push({ keyword, section, at: refOf(this.file, t) });
    if (severity === 'info') this.sink.info('HAP_UNMODELED', `'${keyword}' in ${section} is not modelled by kubeha; kept as written`, this.file, t);
    else this.sink.error('HAP_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' in ${section}`, this.file, t, hint);
  }

  private line(toks: Token[]): void {
    const kw = toks[0];
    if (!kw) return;
    const k = kw.value;
    if ((SECTIONS as readonly string[]).includes(k)) return this.startSection(k as SectionKind, toks);
    if (OTHER_SECTIONS.includes(k)) {
      this.finishProxy();
      this.section = 'other';
      this.otherName = k;
      this.config.unknown.push({ keyword: k, section: k, at: refOf(this.file, kw) });
      this.sink.info('HAP_UNMODELED', `'${k}' section is not modelled by kubeha; its content is skipped`, this.file, kw);
      return;
    }
    switch (this.section) {
      case undefined: {
        const near = didYouMean(k, [...SECTIONS, ...OTHER_SECTIONS]);
        this.err(
          near ? 'HAP_UNKNOWN_SECTION' : 'HAP_OUTSIDE_SECTION',
          near ? `unknown section '${k}'` : `'${k}' appears before any section`,
          kw,
          near ? `did you mean '${near}'?` : 'start a section first (global, defaults, frontend, backend or listen)',
        );
        return;
      }
      case 'other':
        return;
      case 'global':
        return this.globalLine(toks);
      case 'defaults':
        return this.proxyLine(toks, this.defaultsTarget ?? emptySettings(), undefined);
      default:
        if (this.proxy) this.proxyLine(toks, this.proxy.s, this.proxy);
    }
  }

  private startSection(kind: SectionKind, toks: Token[]): void {
    this.finishProxy();
    this.section = kind;
    const kw = toks[0] as Token;
    if (kind === 'global') {
      if (toks.length > 1) this.err('HAP_EXTRA_ARGS', "'global' takes no argument", toks[1] as Token);
      return;
    }
    // `<kind> [<name>] [from <defaults>]`
    let name: Token | undefined = toks[1];
    let fromTok: Token | undefined;
    if (name?.value === 'from') {
      fromTok = toks[2];
      name = undefined;
    } else if (toks[2]?.value === 'from') fromTok = toks[3];
    if (name?.value === 'from') name = undefined;
    let base = this.defaults;
    if (fromTok) {
      const found = this.named.get(fromTok.value);
      if (!found) {
        this.err('HAP_UNKNOWN_DEFAULTS', `no defaults section named '${fromTok.value}' before this line`, fromTok, didYouMeanHint(fromTok.value, [...this.named.keys()]) ?? 'a `from` must name a `defaults NAME` section written earlier in the file');
      } else base = found;
    } else if ((toks[2]?.value === 'from' || toks[1]?.value === 'from') && !fromTok) {
      this.err('HAP_MISSING_ARG', "'from' needs the name of a defaults section", toks[toks.length - 1] as Token);
    }
    if (base && (kind !== 'defaults' || fromTok)) this.noteDefaultsUse(base, fromTok !== undefined && this.named.get(fromTok.value) === base, name ?? kw);
    if (kind === 'defaults') {
      // A new defaults section resets everything, unless it inherits with `from` (manual §4).
      const s = fromTok && base ? cloneSettings(base) : emptySettings();
      this.defaults = s;
      this.defaultsTarget = s;
      if (name) this.named.set(name.value, s);
      return;
    }
    if (!name) {
      this.err('HAP_MISSING_NAME', `'${kind}' needs a name`, kw, `write '${kind} <name>'`);
      this.section = 'other';
      this.otherName = kind;
      return;
    }
    if (!/^[A-Za-z0-9_.:-]+$/.test(name.value)) {
      this.err('HAP_BAD_NAME', `invalid proxy name '${name.value}'`, name, "proxy names use letters, digits, '-', '_', '.' and ':'");
    }
    this.proxy = {
      kind,
      name: name.value,
      nameTok: name,
      s: base ? cloneSettings(base) : emptySettings(),
      ownHttpRules: false,
      ownTcpRules: false,
      binds: [],
      useBackends: [],
      servers: [],
    };
  }

  /** How each defaults section is used: HAProxy complains when one is used both with `from` and implicitly. */
  private readonly defaultsUse = new Map<Settings, { explicit: boolean; implicit: boolean; warned: boolean }>();

  private noteDefaultsUse(d: Settings, explicit: boolean, at: Token): void {
    const u = this.defaultsUse.get(d) ?? { explicit: false, implicit: false, warned: false };
    this.defaultsUse.set(d, u);
    if (explicit) u.explicit = true;
    else u.implicit = true;
    const name = [...this.named].find(([, v]) => v === d)?.[0];
    if (u.explicit && u.implicit && !u.warned && name !== undefined) {
      u.warned = true;
      this.sink.warning(
        'HAP_DEFAULTS_MIXED',
        `defaults section '${name}' is used both with 'from' and implicitly`,
        this.file,
        at,
        'HAProxy reports it; add a last defaults section that no proxy names, or always write `from`',
      );
    }
  }

  private globalLine(toks: Token[]): void {
    const kw = toks[0] as Token;
    const g = this.config.global;
    switch (kw.value) {
      case 'user':
      case 'uid':
        if (toks[1]) g.user = toks[1].value;
        else this.err('HAP_MISSING_ARG', `'${kw.value}' needs a value`, kw);
        return;
      case 'maxconn': {
        const n = this.intArg(toks, 1, kw);
        if (n !== undefined) g.maxconn = n;
        return;
      }
      case 'stats':
        if (toks[1]?.value === 'socket') {
          if (toks[2]) g.statsSockets.push(toks[2].value);
          else this.err('HAP_MISSING_ARG', "'stats socket' needs an address or path", toks[1]);
          return;
        }
        if (toks[1] && ['timeout', 'maxconn', 'bind-process'].includes(toks[1].value)) return this.keepUnknown(`stats ${toks[1].value}`, kw, 'global');
        this.err('HAP_BAD_VALUE', `'stats ${toks[1]?.value ?? ''}' is not valid in global`, toks[1] ?? kw, 'in global, use `stats socket`, `stats timeout` or `stats maxconn`');
        return;
      default:
        if (GLOBAL_KNOWN.has(kw.value) || kw.value.startsWith('tune.') || kw.value.startsWith('ssl-') || kw.value.startsWith('lua-')) {
          this.keepUnknown(kw.value, kw, 'global');
        } else {
          const near = didYouMean(kw.value, [...GLOBAL_KNOWN, ...SECTIONS]);
          this.keepUnknown(kw.value, kw, 'global', 'error', near ? `did you mean '${near}'?` : 'HAProxy rejects unknown keywords; check the spelling');
        }
    }
  }

  private intArg(toks: Token[], i: number, kw: Token, min = 0): number | undefined {
    const t = toks[i];
    if (!t) {
      this.err('HAP_MISSING_ARG', `'${kw.value}' needs a number`, kw);
      return undefined;
    }
    const n = parseIntStrict(t.value);
    if (n === undefined || n < min) {
      this.err('HAP_BAD_NUMBER', `'${t.value}' is not a valid number for '${kw.value}'`, t, 'write a whole number');
      return undefined;
    }
    return n;
  }

  private timeArg(t: Token | undefined, kw: Token): number | undefined {
    if (!t) {
      this.err('HAP_MISSING_ARG', `'${kw.value}' needs a time`, kw, 'e.g. 5000 (ms), 10s, 1m');
      return undefined;
    }
    const ms = parseHaproxyTime(t.value);
    if (ms === undefined) this.err('HAP_BAD_TIME', `'${t.value}' is not a valid time`, t, 'a number with an optional unit: us, ms (default), s, m, h, d');
    return ms;
  }

  /** One line of a defaults/frontend/backend/listen section. `p` is undefined in defaults. */
  private proxyLine(toks: Token[], s: Settings, p: Proxy | undefined): void {
    const kw = toks[0] as Token;
    const where = p ? `${p.kind} '${p.name}'` : 'defaults';
    const isFe = p ? p.kind !== 'backend' : false;
    const isBe = p ? p.kind !== 'frontend' : false;
    const notAllowed = (what: string): void =>
      this.err('HAP_KEYWORD_NOT_ALLOWED', `'${kw.value}' is not allowed in ${where}`, kw, `'${kw.value}' belongs in ${what}`);
    switch (kw.value) {
      case 'mode': {
        const v = toks[1];
        if (v?.value === 'tcp' || v?.value === 'http') s.mode = v.value;
        else if (v?.value === 'health') this.keepUnknown('mode health', kw, where);
        else this.err('HAP_BAD_VALUE', `'mode' expects tcp or http, got '${v?.value ?? ''}'`, v ?? kw, 'write `mode tcp` for the apiserver');
        return;
      }
      case 'balance':
        if (p && p.kind === 'frontend') return notAllowed('a backend or listen section');
        if (toks[1]) s.balance = toks.slice(1).map((t) => t.value).join(' ');
        else this.err('HAP_MISSING_ARG', "'balance' needs an algorithm", kw, 'e.g. balance roundrobin');
        return;
      case 'timeout':
        return this.timeoutLine(toks, s);
      case 'retries': {
        const n = this.intArg(toks, 1, kw);
        if (n !== undefined) s.retries = n;
        return;
      }
      case 'option':
      case 'no':
        return this.optionLine(toks, s, where);
      case 'http-check':
        return this.httpCheckLine(toks, s, p);
      case 'tcp-check':
        if (p && !p.ownTcpRules) {
          p.ownTcpRules = true;
          s.tcpSteps = [];
        }
        s.tcpSteps.push(toks.slice(1).map((t) => t.value).join(' '));
        return;
      case 'default-server':
        if (p && p.kind === 'frontend') return notAllowed('a backend, listen or defaults section');
        this.serverParams(toks, 1, s.defaultServer, true);
        return;
      case 'server':
        if (!p) return notAllowed('a backend or listen section');
        if (!isBe) return notAllowed('a backend or listen section');
        return this.serverLine(toks, p);
      case 'bind':
        if (!p) return notAllowed('a frontend or listen section');
        if (!isFe) return notAllowed('a frontend or listen section');
        return this.bindLine(toks, p);
      case 'default_backend':
        if (p && p.kind === 'backend') return notAllowed('a frontend or listen section');
        if (!toks[1]) return this.err('HAP_MISSING_ARG', "'default_backend' needs a backend name", kw);
        if (p) p.defaultBackend = { name: toks[1].value, tok: toks[1] };
        else this.keepUnknown('default_backend', kw, where);
        return;
      case 'use_backend':
        if (!p || p.kind === 'backend') return notAllowed('a frontend or listen section');
        if (!toks[1]) return this.err('HAP_MISSING_ARG', "'use_backend' needs a backend name", kw);
        p.useBackends.push({ name: toks[1].value, tok: toks[1] });
        return;
      case 'stats':
        return this.statsLine(toks, s, where);
      case 'contimeout':
      case 'clitimeout':
      case 'srvtimeout':
        this.err('HAP_REMOVED_KEYWORD', `'${kw.value}' was removed from HAProxy`, kw, "use 'timeout connect|client|server'");
        return;
      default:
        if (PROXY_KNOWN.has(kw.value)) this.keepUnknown(kw.value, kw, where);
        else {
          const near = didYouMean(kw.value, [...PROXY_KNOWN, ...SECTIONS]);
          const isSection = near !== undefined && (SECTIONS as readonly string[]).includes(near);
          if (isSection) {
            this.config.unknown.push({ keyword: kw.value, section: where, at: refOf(this.file, kw) });
            this.err('HAP_UNKNOWN_SECTION', `unknown keyword '${kw.value}' in ${where}`, kw, `did you mean the section '${near}'?`);
          } else this.keepUnknown(kw.value, kw, where, 'error', near ? `did you mean '${near}'?` : 'HAProxy rejects unknown keywords; check the spelling');
        }
    }
  }

  private timeoutLine(toks: Token[], s: Settings): void {
    const kw = toks[0] as Token;
    const which = toks[1];
    if (!which) return this.err('HAP_MISSING_ARG', "'timeout' needs a name and a time", kw, 'e.g. timeout client 1h');
    const ms = this.timeArg(toks[2], which);
    if (ms === undefined) return;
    const t = s.timeouts;
    // Keep whether the time had a unit: `timeout client 5000` and `timeout client 5s` are both 5000 ms, only one says so.
    if (['connect', 'client', 'server', 'tunnel', 'check', 'queue', 'http-request', 'http-keep-alive', 'client-fin', 'server-fin', 'tarpit'].includes(which.value)) {
      const unitless = { ...(t.unitless ?? {}) };
      if (/^\d+$/.test(toks[2]?.value ?? '')) unitless[which.value] = toks[2]?.value ?? '';
      else delete unitless[which.value];
      if (Object.keys(unitless).length > 0) t.unitless = unitless;
      else delete t.unitless;
    }
    switch (which.value) {
      case 'connect':
        t.connectMs = ms;
        break;
      case 'client':
        t.clientMs = ms;
        break;
      case 'server':
        t.serverMs = ms;
        break;
      case 'tunnel':
        t.tunnelMs = ms;
        break;
      case 'check':
        t.checkMs = ms;
        break;
      case 'queue':
      case 'http-request':
      case 'http-keep-alive':
      case 'client-fin':
      case 'server-fin':
      case 'tarpit':
        t.other = { ...(t.other ?? {}), [which.value]: ms };
        break;
      default: {
        const near = didYouMean(which.value, ['connect', 'client', 'server', 'tunnel', 'check', 'queue', 'http-request', 'http-keep-alive', 'client-fin', 'server-fin', 'tarpit']);
        this.err('HAP_BAD_VALUE', `unknown timeout '${which.value}'`, which, near ? `did you mean '${near}'?` : undefined);
      }
    }
  }

  private optionLine(toks: Token[], s: Settings, where: string): void {
    const kw = toks[0] as Token;
    let i = 1;
    let negate = false;
    if (kw.value === 'no') {
      if (toks[1]?.value !== 'option') {
        this.keepUnknown('no', kw, where, 'error', "only 'no option <name>' is valid");
        return;
      }
      negate = true;
      i = 2;
    }
    const opt = toks[i];
    if (!opt) return this.err('HAP_MISSING_ARG', "'option' needs a name", kw);
    const args = toks.slice(i + 1).map((t) => t.value);
    switch (opt.value) {
      case 'redispatch':
        s.redispatch = !negate;
        return;
      case 'httpchk': {
        // `option httpchk`, `option httpchk <uri>`, `option httpchk <method> <uri> [<version>]`.
        let method = 'OPTIONS';
        let path = '/';
        let version: string | undefined;
        if (args.length === 1) path = args[0] as string;
        else if (args.length >= 2) {
          method = args[0] as string;
          path = args[1] as string;
          version = args.slice(2).join(' ') || undefined;
        }
        let host: string | undefined;
        if (version?.includes('\r\n')) {
          // The pre-2.2 form hides headers in the version: "HTTP/1.1\r\nHost:\ example".
          const [v, ...hdrs] = version.split('\r\n');
          version = v;
          for (const h of hdrs) {
            const m = /^host:\s*(.*)$/i.exec(h);
            if (m) host = m[1];
          }
        }
        s.check = { kind: 'httpchk', method, path, ...(version ? { version } : {}), ...(host ? { host } : {}) };
        return;
      }
      case 'tcp-check':
        s.check = { kind: 'tcp-check' };
        return;
      case 'ssl-hello-chk':
        s.check = { kind: 'ssl-hello' };
        return;
      case 'mysql-check':
      case 'pgsql-check':
      case 'redis-check':
      case 'smtpchk':
      case 'ldap-check':
      case 'spop-check':
      case 'external-check':
        s.check = { kind: 'other', option: opt.value };
        return;
      default: {
        this.config.unknown.push({ keyword: `option ${opt.value}`, section: where, at: refOf(this.file, kw) });
        const removed = REMOVED_OPTIONS[opt.value];
        if (removed !== undefined) this.err('HAP_REMOVED_KEYWORD', `'option ${opt.value}' is not supported any more`, opt, removed);
        else if (!KNOWN_OPTIONS.has(opt.value)) this.err('HAP_UNKNOWN_KEYWORD', `unknown option '${opt.value}' in ${where}`, opt, didYouMeanHint(opt.value, [...KNOWN_OPTIONS]));
        else this.sink.info('HAP_UNMODELED', `'option ${opt.value}' is not modelled by kubeha; kept as written`, this.file, opt);
      }
    }
  }

  private httpCheckLine(toks: Token[], s: Settings, p: Proxy | undefined): void {
    const kw = toks[0] as Token;
    const verb = toks[1];
    if (!verb) return this.err('HAP_MISSING_ARG', "'http-check' needs an action", kw, 'e.g. http-check expect status 200');
    if (p && !p.ownHttpRules && (verb.value === 'send' || verb.value === 'expect' || verb.value === 'connect')) {
      p.ownHttpRules = true;
      delete s.httpSend;
      delete s.httpExpect;
      delete s.httpConnect;
    }
    if (verb.value === 'connect') {
      s.httpConnect = { ssl: toks.slice(2).some((t) => t.value === 'ssl') };
      return;
    }
    if (verb.value === 'send') {
      const send: NonNullable<Settings['httpSend']> = {};
      for (let i = 2; i < toks.length; i++) {
        const k = toks[i]?.value;
        const v = toks[i + 1]?.value;
        if (k === 'meth' && v !== undefined) {
          send.method = v;
          i++;
        } else if (k === 'uri' && v !== undefined) {
          send.path = v;
          i++;
        } else if (k === 'ver' && v !== undefined) {
          send.version = v;
          i++;
        } else if (k === 'hdr' && v !== undefined) {
          if (v.toLowerCase() === 'host' && toks[i + 2]) send.host = toks[i + 2]?.value;
          i += 2;
        } else if ((k === 'body' || k === 'body-lf' || k === 'uri-lf') && v !== undefined) i++;
      }
      s.httpSend = send;
    } else if (verb.value === 'expect') {
      s.httpExpect = toks.slice(2).map((t) => t.value).join(' ');
    } else if (!['connect', 'comment', 'disable-on-404', 'send-state', 'set-var', 'set-var-fmt', 'unset-var'].includes(verb.value)) {
      this.err('HAP_BAD_VALUE', `unknown http-check action '${verb.value}'`, verb, 'use send, expect, connect, disable-on-404 or send-state');
    }
  }

  private statsLine(toks: Token[], s: Settings, where: string): void {
    const kw = toks[0] as Token;
    const sub = toks[1];
    if (!sub) return this.err('HAP_MISSING_ARG', "'stats' needs an argument", kw, 'e.g. stats enable');
    if (sub.value === 'socket') return this.err('HAP_KEYWORD_NOT_ALLOWED', `'stats socket' is only allowed in global, not in ${where}`, sub);
    const page: StatsPage = s.stats ?? { bind: [], auth: [], at: refOf(this.file, kw) };
    s.stats = page;
    switch (sub.value) {
      case 'enable':
        return;
      case 'uri':
        if (toks[2]) page.uri = toks[2].value;
        else this.err('HAP_MISSING_ARG', "'stats uri' needs a path", sub);
        return;
      case 'auth':
        if (toks[2]?.value.includes(':')) page.auth.push(toks[2].value);
        else this.err('HAP_BAD_VALUE', "'stats auth' expects user:password", toks[2] ?? sub);
        return;
      default:
        // realm, refresh, hide-version, admin, show-node, show-legends, scope, http-request, show-desc, show-modules
        return;
    }
  }

  /** Applies server keywords from toks[from..] to `out`; returns false on a fatal problem. */
  private serverParams(toks: Token[], from: number, out: ServerParams, isDefault: boolean): void {
    for (let i = from; i < toks.length; i++) {
      const t = toks[i] as Token;
      const k = t.value;
      const next = toks[i + 1];
      const needValue = (): Token | undefined => {
        if (!next) {
          this.err('HAP_MISSING_ARG', `'${k}' needs a value`, t);
          return undefined;
        }
        i++;
        return next;
      };
      switch (k) {
        case 'check':
          out.check = true;
          break;
        case 'no-check':
          out.check = false;
          break;
        case 'check-ssl':
          out.checkSsl = true;
          break;
        case 'no-check-ssl':
          out.checkSsl = false;
          break;
        case 'ssl':
          out.ssl = true;
          break;
        case 'no-ssl':
          out.ssl = false;
          break;
        case 'backup':
          out.backup = true;
          break;
        case 'no-backup':
          out.backup = false;
          break;
        case 'disabled':
          out.disabled = true;
          break;
        case 'enabled':
          out.disabled = false;
          break;
        case 'inter':
        case 'fastinter':
        case 'downinter': {
          const v = needValue();
          const ms = v ? this.timeArg(v, t) : undefined;
          if (ms !== undefined) {
            if (ms <= 0) this.err('HAP_BAD_TIME', `'${k}' must be greater than 0`, v as Token);
            else if (k === 'inter') out.interMs = ms;
            else if (k === 'fastinter') out.fastinterMs = ms;
            else out.downinterMs = ms;
          }
          break;
        }
        case 'fall':
        case 'rise':
        case 'weight':
        case 'port': {
          const v = needValue();
          if (!v) break;
          const n = parseIntStrict(v.value);
          const min = k === 'weight' ? 0 : 1;
          const max = k === 'weight' ? 256 : k === 'port' ? 65535 : 2 ** 31;
          if (n === undefined || n < min || n > max) {
            this.err('HAP_BAD_NUMBER', `'${v.value}' is not a valid value for '${k}'`, v, `expected a whole number from ${min} to ${max}`);
          } else if (k === 'fall') out.fall = n;
          else if (k === 'rise') out.rise = n;
          else if (k === 'weight') out.weight = n;
          else out.checkPort = n;
          break;
        }
        case 'addr': {
          const v = needValue();
          if (v) out.checkAddr = v.value;
          break;
        }
        case 'verify': {
          const v = needValue();
          if (v && v.value !== 'none' && v.value !== 'required') this.err('HAP_BAD_VALUE', "'verify' expects none or required", v);
          else if (v) out.verify = v.value;
          break;
        }
        default:
          if (SERVER_FLAGS.has(k)) break;
          if (SERVER_VALUES.has(k)) {
            needValue();
            break;
          }
          this.sink.error(
            'HAP_UNKNOWN_SERVER_PARAM',
            `unknown ${isDefault ? 'default-server' : 'server'} keyword '${k}'`,
            this.file,
            t,
            didYouMeanHint(k, [...SERVER_FLAGS, ...SERVER_VALUES]) ?? 'HAProxy rejects unknown server keywords',
          );
      }
    }
  }

  private serverLine(toks: Token[], p: Proxy): void {
    const kw = toks[0] as Token;
    const name = toks[1];
    const addr = toks[2];
    if (!name || !addr) {
      this.err('HAP_SERVER_NO_ADDRESS', `'server' needs a name and an address`, name ?? kw, "write 'server <name> <address>:<port> [check]'");
      return;
    }
    const params: ServerParams = { ...p.s.defaultServer };
    this.serverParams(toks, 3, params, false);
    const parsed = this.parseAddress(addr, true);
    if (!parsed) return;
    const ssl = params.ssl ?? false;
    // `ssl` also encrypts health checks unless they are sent elsewhere (`port`/`addr`); `check-ssl` forces it.
    const checkSsl = params.checkSsl ?? (ssl && params.checkPort === undefined && params.checkAddr === undefined);
    const interMs = params.interMs ?? HAPROXY_DEFAULTS.interMs;
    const server: Server = {
      name: name.value,
      address: parsed.address,
      port: parsed.port,
      check: params.check ?? false,
      checkSsl,
      ssl,
      interMs,
      fall: params.fall ?? HAPROXY_DEFAULTS.fall,
      rise: params.rise ?? HAPROXY_DEFAULTS.rise,
      backup: params.backup ?? false,
      disabled: params.disabled ?? false,
      at: refOf(this.file, kw),
    };
    if (params.fastinterMs !== undefined) server.fastinterMs = params.fastinterMs;
    if (params.downinterMs !== undefined) server.downinterMs = params.downinterMs;
    if (params.weight !== undefined) server.weight = params.weight;
    if (params.checkPort !== undefined) server.checkPort = params.checkPort;
    if (params.checkAddr !== undefined) server.checkAddr = params.checkAddr;
    if (params.verify !== undefined) server.verify = params.verify;
    if (p.servers.some((s) => s.name === server.name)) {
      this.err('HAP_DUPLICATE_SERVER', `server '${server.name}' is declared twice in ${p.kind} '${p.name}'`, name, 'give each server a unique name');
    }
    p.servers.push(server);
  }

  /** `[proto@]host[:port[-end]]`; for servers the port is optional (then the client's destination port is used). */
  private parseAddress(t: Token, isServer: boolean): { address: string; port: number; portEnd?: number } | undefined {
    let v = t.value;
    const at = v.indexOf('@');
    if (at >= 0) {
      const proto = v.slice(0, at);
      if (!['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6'].includes(proto)) {
        this.sink.info('HAP_NON_TCP_ADDRESS', `'${v}' is not a TCP address; not modelled`, this.file, t);
        return undefined;
      }
      v = v.slice(at + 1);
    }
    if (v.startsWith('/')) {
      this.sink.info('HAP_NON_TCP_ADDRESS', `'${v}' is a UNIX socket; not modelled`, this.file, t);
      return undefined;
    }
    if (v === '') {
      this.err('HAP_BAD_ADDRESS', 'empty address', t);
      return undefined;
    }
    let host: string;
    let portSpec: string | undefined;
    const br = /^\[([^\]]*)\](?::(.*))?$/.exec(v);
    if (br) {
      host = br[1] ?? '';
      portSpec = br[2];
    } else {
      const c = v.lastIndexOf(':');
      // A bare IPv6 address without port has several colons and the last group is hex, not a port: HAProxy reads
      // the part after the last colon as the port, and so do we.
      if (c < 0) {
        host = v;
        portSpec = undefined;
      } else {
        host = v.slice(0, c);
        portSpec = v.slice(c + 1);
      }
    }
    if (host === '') host = '*';
    if (portSpec === undefined || portSpec === '') {
      if (isServer) {
        this.sink.info('HAP_SERVER_NO_PORT', `server address '${t.value}' has no port: HAProxy uses the port the client connected to`, this.file, t);
        return { address: host, port: 0 };
      }
      this.err('HAP_BAD_ADDRESS', `'${t.value}' has no port`, t, 'write address:port, e.g. *:6443');
      return undefined;
    }
    const m = /^([+-]?)(\d{1,5})(?:-(\d{1,5}))?$/.exec(portSpec);
    const port = m ? Number(m[2]) : NaN;
    const end = m?.[3] !== undefined ? Number(m[3]) : undefined;
    if (!m || port < (m[1] ? 0 : 1) || port > 65535 || (end !== undefined && (end < port || end > 65535)) || (isServer && end !== undefined)) {
      this.err('HAP_BAD_PORT', `'${portSpec}' is not a valid port in '${t.value}'`, t, 'a port is a number from 1 to 65535 (binds accept a range such as 6443-6445)');
      return undefined;
    }
    if (m[1]) {
      this.sink.info('HAP_SERVER_PORT_OFFSET', `server port '${portSpec}' is relative to the client's destination port`, this.file, t);
      return { address: host, port: 0 };
    }
    return end !== undefined && end !== port ? { address: host, port, portEnd: end } : { address: host, port };
  }

  private bindLine(toks: Token[], p: Proxy): void {
    const kw = toks[0] as Token;
    const addrTok = toks[1];
    if (!addrTok) return this.err('HAP_MISSING_ARG', "'bind' needs an address", kw, 'e.g. bind *:6443');
    const ssl = toks.slice(2).some((t) => t.value === 'ssl');
    // Several addresses may be given at once, separated by commas.
    let col = addrTok.col;
    for (const part of addrTok.value.split(',')) {
      const sub: Token = { ...addrTok, value: part, col, length: part.length || 1 };
      col += part.length + 1;
      if (part === '') {
        this.err('HAP_BAD_ADDRESS', 'empty address in bind list', sub);
        continue;
      }
      const a = this.parseAddress(sub, false);
      if (!a) continue;
      const b: Bind = { address: a.address, port: a.port, at: refOf(this.file, sub) };
      if (a.portEnd !== undefined) b.portEnd = a.portEnd;
      if (ssl) b.ssl = true;
      p.binds.push(b);
    }
  }

  private finishProxy(): void {
    const p = this.proxy;
    this.proxy = undefined;
    this.defaultsTarget = undefined;
    if (!p) return;
    this.proxies.push(p);
    const s = p.s;
    const mode = s.mode ?? 'tcp';
    const at = refOf(this.file, p.nameTok);
    if (p.kind !== 'backend') {
      const fe: Frontend = { name: p.name, kind: p.kind === 'listen' ? 'listen' : 'frontend', mode, binds: p.binds, useBackends: p.useBackends.map((u) => u.name), timeouts: s.timeouts, at };
      if (p.defaultBackend) fe.defaultBackend = p.defaultBackend.name;
      if (s.stats) fe.stats = { ...s.stats, bind: p.binds };
      this.config.frontends.push(fe);
    }
    if (p.kind !== 'frontend') {
      const be: Backend = { name: p.name, mode, servers: p.servers, healthCheck: this.healthCheck(s, p.servers), redispatch: s.redispatch ?? false, timeouts: s.timeouts, at };
      be.balance = s.balance ?? 'roundrobin';
      if (s.retries !== undefined) be.retries = s.retries;
      this.config.backends.push(be);
    }
  }

  private healthCheck(s: Settings, servers: Server[]): HealthCheckKind {
    const c = s.check;
    if (!c) return { type: 'tcp' };
    switch (c.kind) {
      case 'httpchk': {
        const send = s.httpSend ?? {};
        const version = send.version ?? c.version;
        const host = send.host ?? c.host;
        const hc: HealthCheckKind = {
          type: 'http',
          method: send.method ?? c.method,
          path: send.path ?? c.path,
          ssl: (s.httpConnect?.ssl ?? false) || servers.some((x) => x.check && x.checkSsl),
        };
        if (s.httpExpect !== undefined) hc.expect = s.httpExpect;
        if (version !== undefined) hc.version = version;
        if (host !== undefined) hc.host = host;
        return hc;
      }
      case 'tcp-check':
        return { type: 'tcp-check', steps: [...s.tcpSteps] };
      case 'ssl-hello':
        return { type: 'ssl-hello' };
      default:
        return { type: 'other', option: c.option };
    }
  }

  /** Checks across sections: names referenced by default_backend/use_backend, duplicate names, frontends without bind. */
  private finish(): void {
    const backends = new Set(this.proxies.filter((p) => p.kind !== 'frontend').map((p) => p.name));
    const seen = new Map<string, Proxy>();
    for (const p of this.proxies) {
      for (const side of p.kind === 'listen' ? ['fe', 'be'] : [p.kind === 'frontend' ? 'fe' : 'be']) {
        const key = `${side}:${p.name}`;
        const prev = seen.get(key);
        if (prev) {
          this.err('HAP_DUPLICATE_PROXY', `${p.kind} '${p.name}' has the same name as the ${prev.kind} at line ${prev.nameTok.line}`, p.nameTok, 'proxy names must be unique per side (a frontend and a backend may share a name)');
          break;
        }
        seen.set(key, p);
      }
      const refs = [...(p.defaultBackend ? [p.defaultBackend] : []), ...p.useBackends];
      for (const r of refs) {
        if (r.name.includes('%[')) continue; // dynamic name, resolved per request
        if (!backends.has(r.name)) {
          this.err('HAP_UNKNOWN_BACKEND', `${p.kind} '${p.name}' refers to backend '${r.name}', which does not exist`, r.tok, didYouMeanHint(r.name, [...backends]) ?? 'declare the backend or fix the name');
        }
      }
      // haproxy -c warns the same way ("missing timeouts for …"): without them idle connections are never closed.
      const t = p.s.timeouts;
      const missing = [
        ...(p.kind !== 'backend' && !t.clientMs ? ['client'] : []),
        // Like HAProxy, the server side is only checked when there are servers.
        ...(p.kind !== 'frontend' && p.servers.length > 0 && !t.connectMs ? ['connect'] : []),
        ...(p.kind !== 'frontend' && p.servers.length > 0 && !t.serverMs ? ['server'] : []),
      ];
      if (missing.length > 0) {
        this.sink.warning('HAP_MISSING_TIMEOUTS', `${p.kind} '${p.name}' has no ${missing.map((m) => `timeout ${m}`).join(', ')}`, this.file, p.nameTok, 'set them in the section or in its defaults section (0 or absent means never)');
      }
      if (p.kind !== 'backend' && p.binds.length === 0) {
        this.sink.warning('HAP_NO_BIND', `${p.kind} '${p.name}' has no bind line: it receives no traffic`, this.file, p.nameTok, 'add `bind <address>:<port>` or make it a backend');
      }
    }
  }
}

function didYouMeanHint(word: string, candidates: string[]): string | undefined {
  const near = didYouMean(word, candidates);
  return near ? `did you mean '${near}'?` : undefined;
}
