import { didYouMeanHint, type HaproxyContext } from './context.js';
import type { Proxy } from './settings.js';

/** Checks across sections: names referenced by default_backend/use_backend, duplicate names, frontends without bind. */
export function crossCheckProxies(ctx: HaproxyContext, proxies: Proxy[]): void {
  const backends = new Set(proxies.filter((p) => p.kind !== 'frontend').map((p) => p.name));
  const seen = new Map<string, Proxy>();
  for (const p of proxies) {
    for (const side of p.kind === 'listen' ? ['fe', 'be'] : [p.kind === 'frontend' ? 'fe' : 'be']) {
      const key = `${side}:${p.name}`;
      const prev = seen.get(key);
      if (prev) {
        ctx.err('HAP_DUPLICATE_PROXY', `${p.kind} '${p.name}' has the same name as the ${prev.kind} at line ${prev.nameTok.line}`, p.nameTok, 'proxy names must be unique per side (a frontend and a backend may share a name)');
        break;
      }
      seen.set(key, p);
    }
    const refs = [...(p.defaultBackend ? [p.defaultBackend] : []), ...p.useBackends];
    for (const r of refs) {
      if (r.name.includes('%[')) continue; // dynamic name, resolved per request
      if (!backends.has(r.name)) {
        ctx.err('HAP_UNKNOWN_BACKEND', `${p.kind} '${p.name}' refers to backend '${r.name}', which does not exist`, r.tok, didYouMeanHint(r.name, [...backends]) ?? 'declare the backend or fix the name');
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
      ctx.sink.warning('HAP_MISSING_TIMEOUTS', `${p.kind} '${p.name}' has no ${missing.map((m) => `timeout ${m}`).join(', ')}`, ctx.file, p.nameTok, 'set them in the section or in its defaults section (0 or absent means never)');
    }
    if (p.kind !== 'backend' && p.binds.length === 0) {
      ctx.sink.warning('HAP_NO_BIND', `${p.kind} '${p.name}' has no bind line: it receives no traffic`, ctx.file, p.nameTok, 'add `bind <address>:<port>` or make it a backend');
    }
  }
}

/**
 * HAProxy refuses to start when a server speaks TLS (`ssl` or `check-ssl`) with verification on (the default,
 * `ssl-server-verify required`) and no `ca-file`: "verify is enabled by default but no CA file specified"
 * (src/ssl_sock.c ssl_sock_prepare_srv_ssl_ctx; checked with haproxy -c 2.6.12).
 */
export function crossCheckServerTls(ctx: HaproxyContext): void {
  const globalVerify = ctx.config.global.sslServerVerify ?? 'required';
  for (const p of ctx.tlsVerifyPending) {
    const verify = p.verify ?? globalVerify;
    if (verify === 'none' || p.caFile !== undefined) continue;
    ctx.err(
      'HAP_SSL_VERIFY_NO_CA',
      `server '${p.server}' in '${p.proxy}' speaks TLS and verifies the server's certificate, but has no ca-file: HAProxy refuses to start`,
      p.tok,
      "add `verify none` (or a `ca-file` with the cluster CA) to the server or default-server line, or `ssl-server-verify none` in global",
    );
  }
}
