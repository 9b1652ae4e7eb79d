import type { Token } from '../sink.js';
import type { HaproxyContext } from './context.js';

/** A TCP address of a `bind` or `server` line; `portEnd` only for a bind's port range. */
export interface ParsedAddress {
  address: string;
  port: number;
  portEnd?: number;
}

/** `[proto@]host[:port[-end]]`; for servers the port is optional (then the client's destination port is used). */
export function parseAddress(ctx: HaproxyContext, t: Token, isServer: boolean): ParsedAddress | undefined {
  let v = t.value;
  const at = v.indexOf('@');
  if (at >= 0) {
    const proto = v.slice(0, at);
    if (!['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6'].includes(proto)) {
      ctx.sink.info('HAP_NON_TCP_ADDRESS', `'${v}' is not a TCP address; not modelled`, ctx.file, t);
      return undefined;
    }
    v = v.slice(at + 1);
  }
  if (v.startsWith('/')) {
    ctx.sink.info('HAP_NON_TCP_ADDRESS', `'${v}' is a UNIX socket; not modelled`, ctx.file, t);
    return undefined;
  }
  if (v === '') {
    ctx.err('HAP_BAD_ADDRESS', 'empty address', t);
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
      ctx.sink.info('HAP_SERVER_NO_PORT', `server address '${t.value}' has no port: HAProxy uses the port the client connected to`, ctx.file, t);
      return { address: host, port: 0 };
    }
    ctx.err('HAP_BAD_ADDRESS', `'${t.value}' has no port`, t, 'write address:port, e.g. *:6443');
    return undefined;
  }
  const m = /^([+-]?)(\d{1,5})(?:-(\d{1,5}))?$/.exec(portSpec);
  const port = m ? Number(m[2]) : NaN;
  const end = m?.[3] !== undefined ? Number(m[3]) : undefined;
  if (!m || port < (m[1] ? 0 : 1) || port > 65535 || (end !== undefined && (end < port || end > 65535)) || (isServer && end !== undefined)) {
    ctx.err('HAP_BAD_PORT', `'${portSpec}' is not a valid port in '${t.value}'`, t, 'a port is a number from 1 to 65535 (binds accept a range such as 6443-6445)');
    return undefined;
  }
  if (m[1]) {
    ctx.sink.info('HAP_SERVER_PORT_OFFSET', `server port '${portSpec}' is relative to the client's destination port`, ctx.file, t);
    return { address: host, port: 0 };
  }
  return end !== undefined && end !== port ? { address: host, port, portEnd: end } : { address: host, port };
}
