import { didYouMean } from '../../diag/diagnostic.js';
import type { Backend, Frontend } from '../../model/types.js';
import { refOf, type Token } from '../sink.js';
import { Conditionals } from './conditionals.js';
import type { HaproxyContext } from './context.js';
import { crossCheckProxies, crossCheckServerTls } from './cross-checks.js';
import { DefaultsChain } from './defaults.js';
import { globalLine } from './global.js';
import { checkRulesGivePort, checkRulesUseTls, healthCheck } from './health-checks.js';
import { OTHER_SECTIONS, SECTIONS, type SectionKind } from './keywords.js';
import type { LexedLine } from './lexer.js';
import { proxyLine } from './proxy-lines.js';
import { cloneSettings, emptySettings, type Proxy, type Settings } from './settings.js';

/**
 * Lines → model: groups the lexed lines into sections, hands each line to the reader of its section and, when a
 * proxy section ends, adds its frontend and/or backend to the model.
 */
export class HaproxyComposer {
  private section: SectionKind | 'other' | undefined;
  private proxy: Proxy | undefined;
  /** The settings the lines of the current `defaults` section fill. */
  private defaultsTarget: Settings | undefined;
  private defaultsNamed = false;
  /** Defaults sections with tcp-request rules → the kind of proxy that first inherited them. */
  private rulesInheritedBy = new Map<Settings, 'frontend' | 'backend'>();
  private readonly proxies: Proxy[] = [];
  private readonly defaults: DefaultsChain;
  private readonly conds: Conditionals;

  constructor(
    private readonly ctx: HaproxyContext,
    env: Readonly<Record<string, string>>,
  ) {
    this.defaults = new DefaultsChain(ctx);
    this.conds = new Conditionals(ctx, env);
  }

  run(lines: LexedLine[]): void {
    for (const l of lines) {
      const kw = l.tokens[0];
      if (kw?.value.startsWith('.') && this.conds.directive(l.tokens)) continue;
      if (this.conds.active) this.line(l.tokens);
    }
    this.conds.closeAll();
    this.finishProxy();
    crossCheckProxies(this.ctx, this.proxies);
    crossCheckServerTls(this.ctx);
  }

  private line(toks: Token[]): void {
    const kw = toks[0];
    if (!kw) return;
    const k = kw.value;
    if ((SECTIONS as readonly string[]).includes(k)) return this.startSection(k as SectionKind, toks);
    if (OTHER_SECTIONS.includes(k)) {
      this.finishProxy();
      this.section = 'other';
      this.ctx.config.unknown.push({ keyword: k, section: k, at: refOf(this.ctx.file, kw) });
      this.ctx.sink.info('HAP_UNMODELED', `'${k}' section is not modelled by kubeha; its content is skipped`, this.ctx.file, kw);
      return;
    }
    switch (this.section) {
      case undefined: {
        const near = didYouMean(k, [...SECTIONS, ...OTHER_SECTIONS]);
        this.ctx.err(
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
        return globalLine(this.ctx, toks);
      case 'defaults':
        return proxyLine(this.ctx, toks, this.defaultsTarget ?? emptySettings(), undefined, this.defaultsNamed);
      default:
        if (this.proxy) proxyLine(this.ctx, toks, this.proxy.s, this.proxy);
    }
  }

  private startSection(kind: SectionKind, toks: Token[]): void {
    this.finishProxy();
    this.section = kind;
    const kw = toks[0] as Token;
    if (kind === 'global') {
      if (toks.length > 1) this.ctx.err('HAP_EXTRA_ARGS', "'global' takes no argument", toks[1] as Token);
      return;
    }
    if (kind === 'defaults') {
      this.defaultsTarget = this.defaults.openDefaults(toks);
      this.defaultsNamed = toks[1] !== undefined && toks[1].value !== 'from';
      return;
    }
    const { name, base } = this.defaults.proxyHeader(toks);
    if (base && base.tcpRequests.length > 0) this.checkRulesInheritance(kind, base, kw);
    if (!name) {
      this.ctx.err('HAP_MISSING_NAME', `'${kind}' needs a name`, kw, `write '${kind} <name>'`);
      this.section = 'other';
      return;
    }
    if (!/^[A-Za-z0-9_.:-]+$/.test(name.value)) {
      this.ctx.err('HAP_BAD_NAME', `invalid proxy name '${name.value}'`, name, "proxy names use letters, digits, '-', '_', '.' and ':'");
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
      acls: {},
      servers: [],
      serverToks: new Map(),
    };
  }

  /**
   * HAProxy 2.6 refuses a listen section that inherits a defaults section with tcp-request rules, and frontends and
   * backends inheriting the same one (cfgparse.c: "cannot inherit from a defaults section defining TCP/HTTP rules").
   */
  private checkRulesInheritance(kind: SectionKind, base: Settings, kw: Token): void {
    if (kind === 'listen') {
      this.ctx.err('HAP_KEYWORD_NOT_ALLOWED', 'a listen section cannot inherit a defaults section that has tcp-request rules: HAProxy refuses to start', kw, 'use a frontend and a backend, or a defaults section without tcp-request rules');
      return;
    }
    if (kind !== 'frontend' && kind !== 'backend') return;
    const first = this.rulesInheritedBy.get(base);
    if (first === undefined) this.rulesInheritedBy.set(base, kind);
    else if (first !== kind)
      this.ctx.err('HAP_KEYWORD_NOT_ALLOWED', 'frontends and backends cannot inherit the same defaults section when it has tcp-request rules: HAProxy refuses to start', kw, 'give the backends their own defaults section (`backend NAME from OTHER`)');
  }

  /**
   * What HAProxy 2.6 checks when it initialises a backend's servers (each checked with haproxy -c 2.6.12): nothing in
   * a `disabled` proxy; with a `connect … ssl` check rule, the TLS verification settings of every server; and that a
   * checked server has a port to check: its own (not absent, not an offset such as `:+0`), `port N`, or a first check
   * rule that connects to a port ("server 'x' has neither service port nor check port", src/check.c init_srv_check).
   */
  private checkServerInit(p: Proxy): void {
    if (p.s.disabled) {
      const pending = this.ctx.tlsVerifyPending;
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]?.proxy === p.name) pending.splice(i, 1);
      return;
    }
    // A `connect ssl` check rule gives every server a TLS check context, checked or not ("verify is enabled by default
    // but no CA file" otherwise).
    if (checkRulesUseTls(p.s))
      for (const srv of p.servers) {
        const tok = p.serverToks.get(srv.name);
        if (srv.ssl || srv.checkSsl || !tok) continue; // already judged by serverLine
        this.ctx.tlsVerifyPending.push({ server: srv.name, proxy: p.name, tok, ...(srv.verify !== undefined ? { verify: srv.verify } : {}), ...(srv.caFile !== undefined ? { caFile: srv.caFile } : {}) });
      }
    if (checkRulesGivePort(p.s)) return;
    for (const srv of p.servers) {
      if (!srv.check || srv.port !== 0 || srv.checkPort !== undefined) continue;
      const tok = p.serverToks.get(srv.name);
      if (tok)
        this.ctx.err('HAP_CHECK_NO_PORT', `server '${srv.name}' in ${p.kind} '${p.name}' is checked but has no port to check (no port, or a port offset, in '${tok.value}'): HAProxy refuses to start`, tok, 'write the apiserver port in the address (e.g. 10.0.0.1:6443), or add `port 6443` to the server line');
    }
  }

  /** Adds the proxy being read to the model: a frontend, a backend, or both for `listen`. */
  private finishProxy(): void {
    const p = this.proxy;
    this.proxy = undefined;
    this.defaultsTarget = undefined;
    if (!p) return;
    this.proxies.push(p);
    const s = p.s;
    const mode = s.mode ?? 'tcp';
    const at = refOf(this.ctx.file, p.nameTok);
    if (p.kind !== 'backend') {
      const fe: Frontend = { name: p.name, kind: p.kind === 'listen' ? 'listen' : 'frontend', mode, binds: p.binds, useBackends: p.useBackends.map((u) => u.name), timeouts: s.timeouts, at };
      if (p.defaultBackend) fe.defaultBackend = p.defaultBackend.name;
      if (p.useBackends.length > 0) fe.routes = p.useBackends.map((u) => ({ backend: u.name, cond: u.cond, at: refOf(this.ctx.file, u.tok) }));
      if (Object.keys(p.acls).length > 0) fe.acls = p.acls;
      if (s.inspectDelayMs !== undefined) fe.inspectDelayMs = s.inspectDelayMs;
      if (s.tcpRequests.length > 0) fe.tcpRequests = s.tcpRequests.map((r) => ({ layer: r.layer, action: r.action, args: r.args, cond: r.cond, at: refOf(this.ctx.file, r.tok), ...(r.fromDefaults ? { fromDefaults: true } : {}) }));
      if (s.stats) fe.stats = { ...s.stats, bind: p.binds };
      if (s.disabled) fe.disabled = true;
      this.ctx.config.frontends.push(fe);
    }
    if (p.kind !== 'frontend') {
      this.checkServerInit(p);
      const be: Backend = { name: p.name, mode, servers: p.servers, healthCheck: healthCheck(s, p.servers), redispatch: s.redispatch ?? false, timeouts: s.timeouts, at };
      if (s.disabled) be.disabled = true;
      be.balance = s.balance ?? 'roundrobin';
      if (s.retries !== undefined) be.retries = s.retries;
      if (be.redispatch && s.redispatchEvery !== undefined) be.redispatchEvery = s.redispatchEvery;
      this.ctx.config.backends.push(be);
    }
  }
}
