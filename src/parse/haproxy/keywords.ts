/** Keyword lists checked against haproxy 2.6.12 itself (`haproxy -c` accepts every word listed, rejects others). */
export const SECTIONS = ['global', 'defaults', 'frontend', 'backend', 'listen'] as const;
export type SectionKind = (typeof SECTIONS)[number];

/** Sections HAProxy knows that do not describe traffic to the apiservers; their content is skipped (info). */
export const OTHER_SECTIONS = [
  'userlist', 'peers', 'resolvers', 'mailers', 'program', 'http-errors', 'ring', 'cache', 'fcgi-app', 'log-forward', 'dynamic-update',
];

/** Proxy keywords HAProxy 2.6 accepts that the model does not describe (kept in `unknown`, info). */
export const PROXY_KNOWN = new Set([
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

/** Global keywords HAProxy 2.6 accepts that the model does not describe (kept in `unknown`, info). */
export const GLOBAL_KNOWN = new Set([
  'log', 'log-send-hostname', 'log-tag', 'chroot', 'pidfile', 'maxconn', 'user', 'uid', 'group', 'gid', 'daemon', 'master-worker',
  'stats', 'nbthread', 'cpu-map', 'ca-base', 'crt-base', 'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites',
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
  'grace', 'close-spread-time', 'h2-workaround-bogus-websocket-clients',
]);

/** Global keywords removed from HAProxy (2.5: nbproc, and bind-process with it), which 2.6 refuses. */
export const GLOBAL_REMOVED: Record<string, string> = {
  nbproc: 'remove it: since HAProxy 2.5 threads are used (`nbthread`, by default one per CPU)',
};

/** Proxy keywords HAProxy 2.6 refuses in any defaults section ("not allowed in 'defaults' section"). */
export const DEFAULTS_FORBIDDEN = new Set([
  'use-server', 'capture', 'monitor', 'stick', 'stick-table', 'description', 'id', 'force-persist', 'ignore-persist', 'filter',
  'declare', 'dispatch', 'redirect',
]);

/** Proxy keywords HAProxy 2.6 refuses in an anonymous defaults section and accepts in a named one. */
export const ANONYMOUS_DEFAULTS_FORBIDDEN = new Set(['acl', 'http-request', 'http-response', 'http-after-response', 'tcp-response']);

