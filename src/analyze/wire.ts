/**
 * What a kube-apiserver answers to the bytes HAProxy sends it. The apiserver serves TLS (≥ 1.2) with Go's crypto/tls
 * and net/http; each answer below was recorded with a Go TLS server in test/fixtures/analysis-real (regen.sh):
 * - plain text that starts like an HTTP request ("GET /", "HEAD ", "POST ", "PUT /", "OPTIO"): Go's http server
 *   writes `HTTP/1.0 400 Bad Request` in clear (net/http server.go, tls.RecordHeaderError + tlsRecordHeaderLooksLikeHTTP);
 * - any other first bytes that are not a TLS handshake record (a PROXY header, an SSLv3 hello's 0x16 0x03 0x00 is
 *   a handshake but an unsupported version): a TLS alert record (first byte 0x15) and the connection is closed;
 * - over TLS, an HTTP/1.1 request without Host: 400 (net/http "missing required Host header");
 * - over TLS, GET /healthz, /livez, /readyz, /version: 200 to an anonymous client (system:public-info-viewer),
 *   any other method or path 403; bytes that are no HTTP request: 400.
 */

/** The first bytes the apiserver sends back. */
export type Answer =
  | { kind: 'http'; status: number; body: string; tls: boolean }
  | { kind: 'tls-alert' }
  /** TLS handshake completed (ServerHello, …). */
  | { kind: 'tls-handshake' }
  /** Connected, nothing sent by the client, so nothing answered. */
  | { kind: 'silent' };

/** Paths the apiserver serves to anonymous clients (system:public-info-viewer, GET only). */
export const HEALTH_PATHS = /^\/(healthz|livez|readyz|version)(\/|\?|$)/;

/** Go's tlsRecordHeaderLooksLikeHTTP (net/http/server.go): the five first bytes of a request it answers with 400 in clear. */
export function looksLikeHttp(firstBytes: string): boolean {
  return ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'].includes(firstBytes.slice(0, 5));
}

export interface HttpRequest {
  method: string;
  path: string;
  /** `HTTP/1.0` when not written (HAProxy's default for checks, src/tcpcheck.c tcpcheck_eval_send). */
  version: string;
  host?: string;
}

/** The apiserver's answer to an HTTP request sent inside TLS. */
export function httpAnswer(req: HttpRequest): Answer {
  if (/^HTTP\/1\.1$/i.test(req.version) && !req.host) return { kind: 'http', status: 400, body: '400 Bad Request: missing required Host header', tls: true };
  if (!/^HTTP\/1\.[01]$/i.test(req.version)) return { kind: 'http', status: 400, body: '400 Bad Request', tls: true };
  const method = req.method.toUpperCase();
  const ok = method === 'GET' && HEALTH_PATHS.test(req.path || '/');
  return ok ? { kind: 'http', status: 200, body: 'ok', tls: true } : { kind: 'http', status: 403, body: '{"kind":"Status","reason":"Forbidden","code":403}', tls: true };
}

/** The apiserver's answer to bytes sent without TLS on its TLS port. */
export function plainAnswer(firstBytes: string): Answer {
  if (firstBytes === '') return { kind: 'silent' };
  if (looksLikeHttp(firstBytes)) return { kind: 'http', status: 400, body: 'Client sent an HTTP request to an HTTPS server.', tls: false };
  return { kind: 'tls-alert' };
}

/** The answer as the bytes a tcp-check `expect` sees: text and hex of its start. */
export function answerBytes(a: Answer): { text: string; hex: string } {
  let text: string;
  switch (a.kind) {
    case 'http':
      text = `HTTP/${a.tls ? '1.1' : '1.0'} ${a.status} ${a.status === 200 ? 'OK' : a.status === 403 ? 'Forbidden' : 'Bad Request'}\r\n\r\n${a.body}`;
      break;
    case 'tls-alert':
      return { text: '\x15\x03\x01\x00\x02\x02', hex: '150301000202' };
    case 'tls-handshake':
      return { text: '\x16\x03\x03', hex: '160303' };
    case 'silent':
      return { text: '', hex: '' };
  }
  return { text, hex: [...text].map((c) => (c.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')).join('') };
}

/** The PROXY protocol header's first bytes (v1 text, v2 binary signature), as the server sees them. */
export function proxyHeader(v: 'v1' | 'v2'): string {
  return v === 'v1' ? 'PROXY TCP4 ' : '\r\n\r\n\x00\r\nQUIT\n';
}
