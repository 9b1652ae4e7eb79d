import type { Code } from '../diag/catalog.js';
import { didYouMean, type Diagnostic } from '../diag/diagnostic.js';
import type {
  KeepalivedConfig,
  TrackFile,
  TrackProcess,
  TrackRef,
  Vip,
  VrrpInstance,
  VrrpScript,
  VrrpSyncGroup,
} from '../model/types.js';
import type { FileSource } from './file-source.js';
import { expandGlob } from './glob.js';
import { isIpAddress } from './ip.js';
import { DiagnosticSink, dirname, parseDecimal, parseIntStrict, refOf, resolvePath, type Token } from './sink.js';

/**
 * keepalived.conf → KeepalivedConfig, following keepalived.conf(5) of keepalived 2.2.7, in three stages:
 * 1. lines: `include` (globs, relative to the including file, cycles reported), then `@id`/`@^id` conditional lines,
 *    `$NAME=value` definitions and `$NAME`/`${NAME}` substitution, then words (`#`/`!` comments, `"…"` strings, braces);
 * 2. structure: statements nested by `{ }` (a brace may open on the keyword's line or the next one);
 * 3. compose: blocks → model with keepalived's defaults (priority 100, advert_int 1, version 2, script weight 0,
 *    fall/rise 1, interval 1 s, track_process/track_file weight 1).
 * Bad input never throws; every problem is a Diagnostic with a stable code (KA_*) and file:line:col.
 */
export interface ParseKeepalivedOptions {
  /**
   * keepalived's config-id (its `-i` option; by default the host name up to the first dot). Lines starting
   * with `@id` are kept only when id equals it, `@^id` only when it differs. When unknown, `@id` lines are
   * dropped and `@^id` lines kept (as keepalived would do with a config-id that matches none of them).
   */
  configId?: string;
  /**
   * Where the host's `/` is inside the FileSource, for absolute `include` paths (a mirror passes `/<host>`).
   * @default '/'
   */
  root?: string;
}

export interface ParsedKeepalived {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

export const KEEPALIVED_DEFAULTS = {
  priority: 100,
  advertIntS: 1,
  version: 2,
  scriptIntervalS: 1,
  scriptWeight: 0,
  scriptFall: 1,
  scriptRise: 1,
  trackWeight: 1,
  quorum: 1,
} as const;

const MAX_INCLUDE_DEPTH = 32;
const MAX_SUBST_DEPTH = 16;
const MAX_SUBST_LENGTH = 65_536;

export function parseKeepalived(fs: FileSource, path: string, opts: ParseKeepalivedOptions = {}): ParsedKeepalived {
  const sink = new DiagnosticSink();
  const config: KeepalivedConfig = {
    at: { file: path, line: 1 },
    enableScriptSecurity: false,
    vrrpStrict: false,
    scripts: {},
    processes: {},
    trackFiles: {},
    instances: [],
    unknown: [],
  };
  const text = fs.readFile(path);
  if (text === undefined) {
    sink.error('KA_FILE_MISSING', `cannot read ${path}`, path, undefined, 'check the path; the file must be a readable text file');
    return { config, diagnostics: sink.diagnostics };
  }
  const lines: Line[] = [];
  new Reader(fs, sink, opts, lines).readFile(path, text, []);
  const root = structure(lines, sink);
  new Composer(sink, config).run(root);
  return { config, diagnostics: sink.diagnostics };
}

// ---------- stage 1: lines and words ----------

interface Line {
  file: string;
  tokens: Token[];
}

/** A line after parameter substitution; `from[i]`/`to[i]`: the span of the original line character i came from. */
interface Substituted {
  text: string;
  from: number[];
  to: number[];
}

class Reader {
  private readonly vars = new Map<string, string>();

  constructor(
    private readonly fs: FileSource,
    private readonly sink: DiagnosticSink,
    private readonly opts: ParseKeepalivedOptions,
    private readonly out: Line[],
  ) {}

  readFile(file: string, text: string, stack: string[]): void {
    this.sink.addFile(file, text);
    const raw = text.split('\n');
    for (let n = 0; n < raw.length; n++) {
      const lineNo = n + 1;
      let s = (raw[n] ?? '').replace(/\r$/, '');
      // Multiline `$NAME= \` definitions are not supported: skip their continuation lines.
      const ml = /^\s*(@\^?\S+\s+)?\$([A-Za-z_][A-Za-z0-9_]*)=\s*\\$/.exec(s);
      if (ml) {
        this.sink.info('KA_MULTILINE_DEFINITION', `multiline definition of $${ml[2] ?? ''} is not supported; it is skipped`, file, { line: lineNo, col: 1, length: s.length });
        while (n + 1 < raw.length && /\\\s*$/.test(raw[n] ?? '')) n++;
        continue;
      }
      const words = /^\s*(include[rmwba]?)\s+(.*)$/.exec(stripComment(s));
      if (words) {
        this.include(file, lineNo, s, words[2]?.trim() ?? '', stack);
        continue;
      }
      // Conditional configuration: `@id line` or `@^id line`.
      const cond = /^(\s*)@(\^?)(\S*)(\s*)/.exec(s);
      if (cond) {
        const negative = cond[2] === '^';
        const id = cond[3] ?? '';
        const id0 = this.opts.configId;
        const matches = id0 !== undefined && id === id0;
        const keep = negative ? !matches : matches;
        if (id0 === undefined && !negative) {
          this.sink.info('KA_CONDITIONAL_SKIPPED', `line for config-id '${id}' skipped: the config-id of this host is not known`, file, { line: lineNo, col: cond[1]!.length + 1, length: id.length + 1 });
        }
        if (!keep) continue;
        // Blank out the prefix so that columns stay true to the file.
        s = ' '.repeat(cond[0].length) + s.slice(cond[0].length);
      }
      const def = /^(\s*)\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s);
      if (def) {
        this.vars.set(def[2] as string, (def[3] ?? '').trim());
        continue;
      }
      const tokens = this.lex(s, file, lineNo);
      if (tokens.length > 0) this.out.push({ file, tokens });
    }
  }

  private include(file: string, lineNo: number, raw: string, arg: string, stack: string[]): void {
    const col = raw.indexOf(arg) + 1;
    const at = { line: lineNo, col: Math.max(1, col), length: Math.max(1, arg.length) };
    const pattern = arg.replace(/^"(.*)"$/, '$1');
    if (pattern === '') {
      this.sink.error('KA_INCLUDE_MISSING_ARG', "'include' needs a file name", file, { line: lineNo, col: 1, length: raw.length });
      return;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH) {
      this.sink.error('KA_INCLUDE_DEPTH', `includes nested deeper than ${MAX_INCLUDE_DEPTH}`, file, at);
      return;
    }
    const abs = pattern.startsWith('/') ? resolvePath(this.opts.root ?? '/', pattern.slice(1)) : resolvePath(dirname(file), pattern);
    const files = expandGlob(this.fs, abs);
    if (files.length === 0) {
      this.sink.warning('KA_INCLUDE_NOT_FOUND', `include '${pattern}' matches no file`, file, at, 'keepalived ignores it silently; check the path (relative paths are relative to this file)');
      return;
    }
    for (const f of files) {
      if (f === file || stack.includes(f)) {
        this.sink.error('KA_INCLUDE_CYCLE', `include cycle: ${[...stack, file, f].join(' → ')}`, file, at, 'remove the include that points back to an including file');
        continue;
      }
      const text = this.fs.readFile(f);
      if (text === undefined) {
        this.sink.warning('KA_INCLUDE_UNREADABLE', `cannot read included file ${f}`, file, at);
        continue;
      }
      this.readFile(f, text, [...stack, file]);
    }
  }

  /**
   * Parameter substitution, keeping for every character of the result the span of the original line it came from
   * (a substituted value maps to its `$NAME`), so that columns stay true to the file.
   */
  private substitute(s: string, file: string, lineNo: number): Substituted {
    const identity = (): Substituted => ({ text: s, from: [...s].map((_, k) => k), to: [...s].map((_, k) => k + 1) });
    if (this.vars.size === 0 || !s.includes('$')) return identity();
    let cur = identity();
    const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g;
    for (let depth = 0; depth < MAX_SUBST_DEPTH; depth++) {
      let changed = false;
      let text = '';
      const from: number[] = [];
      const to: number[] = [];
      let last = 0;
      const copy = (a: number, b: number): void => {
        text += cur.text.slice(a, b);
        for (let k = a; k < b; k++) {
          from.push(cur.from[k] ?? 0);
          to.push(cur.to[k] ?? 0);
        }
      };
      for (const m of cur.text.matchAll(re)) {
        const v = this.vars.get((m[1] ?? m[2]) as string);
        if (v === undefined) continue;
        changed = true;
        const a = m.index;
        const b = a + m[0].length;
        copy(last, a);
        text += v;
        for (let k = 0; k < v.length; k++) {
          from.push(cur.from[a] ?? 0);
          to.push(cur.to[b - 1] ?? 0);
        }
        last = b;
        // A value that contains its own name grows with every round: stop before it eats the memory.
        if (text.length > MAX_SUBST_LENGTH) {
          this.sink.error('KA_SUBSTITUTION_TOO_LONG', `parameter substitution makes this line longer than ${MAX_SUBST_LENGTH} characters`, file, { line: lineNo, col: 1, length: s.length }, 'a parameter probably refers to itself');
          return identity();
        }
      }
      if (!changed) return cur;
      copy(last, cur.text.length);
      cur = { text, from, to };
    }
    this.sink.error('KA_SUBSTITUTION_LOOP', 'parameter substitution does not terminate', file, { line: lineNo, col: 1, length: s.length });
    return cur;
  }

  /** Words of one line, after substitution; positions are those of the line as written. */
  private lex(raw: string, file: string, line: number): Token[] {
    const sub = this.substitute(raw, file, line);
    const s = sub.text;
    /** Column and length in the original line of the characters [a, b) of the substituted one. */
    const span = (a: number, b: number): { col: number; length: number } => {
      const start = sub.from[a] ?? raw.length;
      const end = sub.to[Math.max(a, b - 1)] ?? raw.length;
      return { col: start + 1, length: Math.max(1, end - start) };
    };
    const tokens: Token[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s[i] as string;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === '#' || c === '!') break;
      const start = i;
      if (c === '{' || c === '}') {
        tokens.push({ value: c, line, ...span(i, i + 1), quoted: false });
        i++;
        continue;
      }
      if (c === '"') {
        const end = s.indexOf('"', i + 1);
        if (end < 0) {
          this.sink.error('KA_UNTERMINATED_QUOTE', 'unterminated double quote', file, { line, ...span(i, s.length) }, 'close the string with " on the same line');
          tokens.push({ value: s.slice(i + 1), line, ...span(i, s.length), quoted: true });
          break;
        }
        tokens.push({ value: s.slice(i + 1, end), line, ...span(start, end + 1), quoted: true });
        i = end + 1;
        continue;
      }
      while (i < s.length && !/[\s{}"]/.test(s[i] as string) && s[i] !== '#' && s[i] !== '!') i++;
      // `!` inside a word (e.g. a password) is kept: keepalived only treats `!`/`#` as comments at a word start.
      while (i < s.length && (s[i] === '!' || s[i] === '#')) {
        i++;
        while (i < s.length && !/[\s{}"]/.test(s[i] as string)) i++;
      }
      // Never loop in place, whatever the character.
      if (i === start) i++;
      tokens.push({ value: s.slice(start, i), line, ...span(start, i), quoted: false });
    }
    return tokens;
  }
}

/** The line without its comment: `#` or `!` at a word start, outside double quotes. */
function stripComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (!q && (c === '#' || c === '!') && (i === 0 || /\s/.test(s[i - 1] as string))) return s.slice(0, i);
  }
  return s;
}

// ---------- stage 2: structure ----------

export interface KaNode {
  key: Token;
  args: Token[];
  file: string;
  /** Present when the statement opens a `{ }` block. */
  children?: KaNode[];
}

function structure(lines: Line[], sink: DiagnosticSink): KaNode[] {
  const root: KaNode[] = [];
  const stack: { children: KaNode[]; open?: { tok: Token; file: string } }[] = [{ children: root }];
  const top = (): { children: KaNode[] } => stack[stack.length - 1] as { children: KaNode[] };
  for (const l of lines) {
    let cur: Token[] = [];
    const flush = (): KaNode | undefined => {
      if (cur.length === 0) return undefined;
      const node: KaNode = { key: cur[0] as Token, args: cur.slice(1), file: l.file };
      top().children.push(node);
      cur = [];
      return node;
    };
    for (const t of l.tokens) {
      if (t.value === '{' && !t.quoted) {
        let node = flush();
        if (!node) {
          // A brace alone on its line opens the block of the statement just before it.
          const prev = top().children[top().children.length - 1];
          if (prev && !prev.children) node = prev;
        }
        if (!node || node.children) {
          sink.error('KA_STRAY_BRACE', "'{' does not follow a keyword", l.file, t, 'put the brace after the keyword it opens');
          // A detached node: its block is read (to keep braces balanced) and then dropped.
          node = { key: t, args: [], file: l.file };
        }
        node.children = [];
        stack.push({ children: node.children, open: { tok: node.key, file: node.file } });
      } else if (t.value === '}' && !t.quoted) {
        flush();
        if (stack.length === 1) sink.error('KA_UNBALANCED_BRACE', "'}' closes no block", l.file, t, 'remove it or add the missing opening brace');
        else stack.pop();
      } else cur.push(t);
    }
    flush();
  }
  for (let i = stack.length - 1; i >= 1; i--) {
    const o = stack[i]?.open;
    if (o) sink.error('KA_UNCLOSED_BRACE', `block '${o.tok.value}' is never closed`, o.file, o.tok, "add the missing '}'");
  }
  return root;
}

// ---------- stage 3: compose ----------

const TOP_KNOWN_UNMODELED = new Set([
  'virtual_server', 'virtual_server_group', 'static_ipaddress', 'static_routes', 'static_rules', 'garp_group', 'bfd_instance',
  'linkbeat_interfaces', 'net_namespace', 'net_namespace_ipvs', 'instance', 'use_pid_dir', 'namespace_with_ipsets', 'vrrp_track_process',
]);
const TOP_BLOCKS = ['global_defs', 'vrrp_script', 'vrrp_instance', 'vrrp_sync_group', 'track_process', 'vrrp_track_process', 'track_file', 'vrrp_track_file', 'virtual_server', 'virtual_server_group', 'static_ipaddress', 'static_routes', 'garp_group', 'bfd_instance'];

const GLOBAL_KNOWN = new Set([
  'notification_email', 'notification_email_from', 'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout', 'smtp_alert',
  'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures', 'no_email_faults', 'lvs_timeouts', 'lvs_sync_daemon',
  'lvs_flush', 'lvs_flush_on_stop', 'vrrp_mcast_group4', 'vrrp_mcast_group6', 'default_interface', 'vrrp_garp_master_delay',
  'vrrp_garp_master_repeat', 'vrrp_garp_lower_prio_delay', 'vrrp_garp_lower_prio_repeat', 'vrrp_garp_master_refresh',
  'vrrp_garp_master_refresh_repeat', 'vrrp_garp_interval', 'vrrp_gna_interval', 'vrrp_min_garp', 'vrrp_lower_prio_no_advert',
  'vrrp_higher_prio_send_advert', 'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex',
  'nftables_counters', 'vrrp_check_unicast_src', 'vrrp_skip_check_adv_addr', 'vrrp_priority', 'checker_priority',
  'bfd_priority', 'vrrp_no_swap', 'checker_no_swap', 'bfd_no_swap', 'vrrp_rt_priority', 'checker_rt_priority',
  'bfd_rt_priority', 'vrrp_rlimit_rttime', 'checker_rlimit_rttime', 'bfd_rlimit_rttime', 'snmp_socket', 'enable_snmp_vrrp',
  'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_checker',
  'enable_dbus', 'dbus_service_name', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo', 'vrrp_notify_fifo_script',
  'lvs_notify_fifo', 'lvs_notify_fifo_script', 'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force',
  'rs_init_notifies', 'no_checker_emails', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_startup_delay',
  'log_unknown_vrids', 'dynamic_interfaces', 'umask', 'instance', 'child_wait_time', 'script_group', 'max_auto_priority',
  'min_auto_priority_delay', 'vrrp_garp_extra_if', 'vrrp_owner_ignore_preempt', 'vrrp_strict', 'script_user', 'router_id',
  'enable_script_security', 'vrrp_version', 'include_check', 'reload_time_file', 'reload_repeat', 'reload_file',
  'data_use_instance', 'fifo_write_vrrp_states_on_reload', 'vrrp_symlinks', 'no_add_default_route', 'random_seed',
  'vrrp_socket_priority', 'vrrp_iptables_dont_flush', 'vrrp_ipsets_dont_flush', 'checker_process_name', 'vrrp_process_name',
  'bfd_process_name', 'process_names', 'process_name', 'linkbeat_use_polling', 'net_namespace', 'namespace_with_ipsets',
  'use_pid_dir', 'vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity', 'vrrp_track_process_default_weight',
]);

const INSTANCE_KNOWN = new Set([
  'use_vmac', 'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'native_ipv6', 'dont_track_primary', 'track_bfd', 'mcast_src_ip',
  'mcast_dst_ip', 'track_src_ip', 'check_unicast_src', 'unicast_fault_no_peer', 'unicast_ttl', 'old_unicast_checksum',
  'garp_master_delay', 'garp_master_repeat', 'garp_lower_prio_delay', 'garp_lower_prio_repeat', 'garp_master_refresh',
  'garp_master_refresh_repeat', 'garp_extra_if', 'lower_prio_no_advert', 'higher_prio_send_advert', 'kernel_rx_buf_size',
  'virtual_routes', 'virtual_rules', 'accept', 'no_accept', 'skip_check_adv_addr', 'strict_mode', 'notify_master',
  'notify_backup', 'notify_fault', 'notify_stop', 'notify_deleted', 'notify', 'notify_master_rx_lower_pri',
  'notify_priority_changes', 'smtp_alert', 'global_tracking', 'sync_group_tracking_weight', 'linkbeat_use_polling',
  'vrf', 'debug', 'preempt', 'track_group', 'dont_track_primary', 'vrrp_startup_delay',
]);

class Composer {
  constructor(
    private readonly sink: DiagnosticSink,
    private readonly config: KeepalivedConfig,
  ) {}

  private err(code: Code, msg: string, n: { file: string }, t: Token, hint?: string): void {
    this.sink.error(code, msg, n.file, t, hint);
  }

  private unmodeled(n: KaNode, section: string): void {
    this.config.unknown.push({ keyword: n.key.value, section, at: refOf(n.file, n.key) });
    this.sink.info('KA_UNMODELED', `'${n.key.value}' in ${section} is not modelled by kubeha; kept as written`, n.file, n.key);
  }

  private unknownKeyword(n: KaNode, section: string, candidates: Iterable<string>): void {
    this.config.unknown.push({ keyword: n.key.value, section, at: refOf(n.file, n.key) });
    const near = didYouMean(n.key.value, [...candidates]);
    this.sink.warning('KA_UNKNOWN_KEYWORD', `unknown keyword '${n.key.value}' in ${section}`, n.file, n.key, near ? `did you mean '${near}'?` : 'keepalived ignores it with a warning; check the spelling');
  }

  run(root: KaNode[]): void {
    const pendingInstances: KaNode[] = [];
    for (const n of root) {
      switch (n.key.value) {
        case 'global_defs':
          this.globalDefs(n);
          break;
        case 'vrrp_script':
          this.vrrpScript(n);
          break;
        case 'track_process':
        case 'vrrp_track_process':
          this.trackProcess(n);
          break;
        case 'track_file':
        case 'vrrp_track_file':
          this.trackFile(n);
          break;
        case 'vrrp_instance':
          pendingInstances.push(n);
          break;
        case 'vrrp_sync_group':
          this.syncGroup(n);
          break;
        default:
          if (TOP_KNOWN_UNMODELED.has(n.key.value)) this.unmodeled(n, 'the top level');
          else {
            const near = didYouMean(n.key.value, TOP_BLOCKS);
            if (near && n.children) {
              this.config.unknown.push({ keyword: n.key.value, section: 'the top level', at: refOf(n.file, n.key) });
              this.err('KA_UNKNOWN_SECTION', `unknown section '${n.key.value}': its whole block is ignored`, n, n.key, `did you mean '${near}'?`);
            } else this.unknownKeyword(n, 'the top level', TOP_BLOCKS);
          }
      }
    }
    // Instances last: they read the global vrrp_version and refer to scripts declared anywhere in the file.
    for (const n of pendingInstances) this.instance(n);
    this.crossChecks();
  }

  private blockOf(n: KaNode, what: string): KaNode[] {
    if (!n.children) {
      this.err('KA_MISSING_BLOCK', `'${n.key.value}' needs a { } block`, n, n.key, `write '${what} { ... }'`);
      return [];
    }
    return n.children;
  }

  private nameOf(n: KaNode): Token | undefined {
    const name = n.args[0];
    if (!name) this.err('KA_MISSING_NAME', `'${n.key.value}' needs a name`, n, n.key, `write '${n.key.value} <name> { ... }'`);
    return name;
  }

  private arg(n: KaNode, i = 0): Token | undefined {
    const t = n.args[i];
    if (!t) this.err('KA_MISSING_ARG', `'${n.key.value}' needs a value`, n, n.key);
    return t;
  }

  private int(n: KaNode, min: number, max: number, i = 0): number | undefined {
    const t = this.arg(n, i);
    if (!t) return undefined;
    const v = parseIntStrict(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid value for '${n.key.value}'`, n, t, `expected a whole number from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  private decimal(n: KaNode, min: number, max: number): number | undefined {
    const t = this.arg(n);
    if (!t) return undefined;
    const v = parseDecimal(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid value for '${n.key.value}'`, n, t, `expected a number (seconds, fractions allowed) from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  private globalDefs(g: KaNode): void {
    for (const n of this.blockOf(g, 'global_defs')) {
      switch (n.key.value) {
        case 'router_id': {
          const t = this.arg(n);
          if (t) this.config.routerId = t.value;
          break;
        }
        case 'script_user': {
          const t = this.arg(n);
          if (t) this.config.scriptUser = t.value;
          break;
        }
        case 'enable_script_security':
          this.config.enableScriptSecurity = true;
          break;
        case 'vrrp_strict':
          this.config.vrrpStrict = true;
          break;
        case 'vrrp_check_unicast_src':
          this.config.vrrpCheckUnicastSrc = true;
          break;
        case 'vrrp_version': {
          const v = this.int(n, 2, 3);
          if (v === 2 || v === 3) this.config.vrrpVersion = v;
          break;
        }
        case 'notification_email':
          this.unmodeled(n, 'global_defs');
          if (n.children && n.children.length === 0) {
            this.sink.warning('KA_EMPTY_BLOCK', 'empty notification_email block', n.file, n.key, 'keepalived warns about it (keepalived -t fails); remove the block or add an address');
          }
          break;
        case 'vrrp_garp_interval':
        case 'vrrp_gna_interval': {
          this.unmodeled(n, 'global_defs');
          const t = n.args[0];
          const v = t ? parseDecimal(t.value) : undefined;
          // keepalived 2.2.7 accepts 0.000001 to 4294.967295 and ignores other values with a warning.
          if (t && (v === undefined || v < 0.000001 || v > 4294.967295)) {
            this.sink.warning('KA_BAD_NUMBER', `${n.key.value} '${t.value}' is outside 0.000001..4294.967295: keepalived ignores it`, n.file, t, 'remove the line to keep the default (no delay)');
          }
          break;
        }
        default:
          if (GLOBAL_KNOWN.has(n.key.value)) this.unmodeled(n, 'global_defs');
          else this.unknownKeyword(n, 'global_defs', GLOBAL_KNOWN);
      }
    }
  }

  private weightArgs(n: KaNode, from: number, min: number, max: number): { weight?: number; reverse: boolean } {
    const out: { weight?: number; reverse: boolean } = { reverse: false };
    const t = n.args[from];
    if (!t) return out;
    const v = parseIntStrict(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid weight`, n, t, `expected a whole number from ${min} to ${max}`);
    } else out.weight = v;
    const r = n.args[from + 1];
    if (r) {
      if (r.value === 'reverse') out.reverse = true;
      else if (r.value !== 'noreverse' && r.value !== 'no_reverse') this.err('KA_BAD_VALUE', `unexpected '${r.value}' after the weight`, n, r, "only 'reverse' or 'noreverse' may follow a weight");
    }
    return out;
  }

  private vrrpScript(b: KaNode): void {
    const name = this.nameOf(b);
    const body = this.blockOf(b, 'vrrp_script <name>');
    if (!name) return;
    const s: VrrpScript = {
      name: name.value,
      script: '',
      intervalS: KEEPALIVED_DEFAULTS.scriptIntervalS,
      weight: KEEPALIVED_DEFAULTS.scriptWeight,
      weightReverse: false,
      fall: KEEPALIVED_DEFAULTS.scriptFall,
      rise: KEEPALIVED_DEFAULTS.scriptRise,
      at: refOf(b.file, b.key),
    };
    let hasScript = false;
    for (const n of body) {
      switch (n.key.value) {
        case 'script': {
          if (!this.arg(n)) break;
          // An unquoted script is the words of the line joined; a quoted one is taken as is.
          s.script = n.args.map((t) => t.value).join(' ');
          hasScript = true;
          break;
        }
        case 'interval': {
          const v = this.decimal(n, 0.000001, 2 ** 31);
          if (v !== undefined) s.intervalS = v;
          break;
        }
        case 'timeout': {
          const v = this.decimal(n, 0.000001, 2 ** 31);
          if (v !== undefined) s.timeoutS = v;
          break;
        }
        case 'weight': {
          const w = this.weightArgs(n, 0, -253, 253);
          if (w.weight !== undefined) s.weight = w.weight;
          s.weightReverse = w.reverse;
          if (!n.args[0]) this.arg(n);
          break;
        }
        case 'fall':
        case 'rise': {
          const v = this.int(n, 1, 2 ** 31);
          if (v !== undefined && n.key.value === 'fall') s.fall = v;
          else if (v !== undefined) s.rise = v;
          break;
        }
        case 'user': {
          const t = this.arg(n);
          if (t) s.user = t.value;
          break;
        }
        case 'init_fail':
          s.initFail = true;
          break;
        default:
          this.unknownKeyword(n, `vrrp_script ${s.name}`, ['script', 'interval', 'timeout', 'weight', 'fall', 'rise', 'user', 'init_fail']);
      }
    }
    if (!hasScript) {
      // keepalived drops such a script ("No script set … removing"): trackers naming it then track nothing.
      this.err('KA_SCRIPT_MISSING', `vrrp_script '${s.name}' has no 'script' line: keepalived removes it`, b, name, 'add script "<command>"');
      return;
    }
    if (this.config.scripts[s.name]) this.err('KA_DUPLICATE', `vrrp_script '${s.name}' is declared twice`, b, name);
    this.config.scripts[s.name] = s;
  }

  private trackProcess(b: KaNode): void {
    const name = this.nameOf(b);
    const body = this.blockOf(b, 'track_process <name>');
    if (!name) return;
    const p: TrackProcess = { name: name.value, process: '', weight: KEEPALIVED_DEFAULTS.trackWeight, quorum: KEEPALIVED_DEFAULTS.quorum, at: refOf(b.file, b.key) };
    for (const n of body) {
      switch (n.key.value) {
        case 'process':
          if (this.arg(n)) p.process = n.args.map((t) => t.value).join(' ');
          break;
        case 'weight': {
          const w = this.weightArgs(n, 0, -254, 254);
          if (w.weight !== undefined) p.weight = w.weight;
          break;
        }
        case 'quorum': {
          const v = this.int(n, 0, 2 ** 31);
          if (v !== undefined) p.quorum = v;
          break;
        }
        case 'delay': {
          const v = this.decimal(n, 0, 2 ** 31);
          if (v !== undefined) p.delayS = v;
          break;
        }
        case 'quorum_max':
        case 'fork_delay':
        case 'terminate_delay':
        case 'full_command':
        case 'param_match':
          break;
        default:
          this.unknownKeyword(n, `track_process ${p.name}`, ['process', 'weight', 'quorum', 'quorum_max', 'delay', 'fork_delay', 'terminate_delay', 'full_command', 'param_match']);
      }
    }
    if (p.process === '') this.err('KA_PROCESS_MISSING', `track_process '${p.name}' has no 'process' line`, b, name);
    this.config.processes[p.name] = p;
  }

  private trackFile(b: KaNode): void {
    const name = this.nameOf(b);
    const body = this.blockOf(b, 'track_file <name>');
    if (!name) return;
    const f: TrackFile = { name: name.value, file: '', weight: KEEPALIVED_DEFAULTS.trackWeight, at: refOf(b.file, b.key) };
    for (const n of body) {
      if (n.key.value === 'file') {
        const t = this.arg(n);
        if (t) f.file = t.value;
      } else if (n.key.value === 'weight') {
        const w = this.weightArgs(n, 0, -2147483647, 2147483647);
        if (w.weight !== undefined) f.weight = w.weight;
        if (w.reverse) f.weightReverse = true;
      } else if (n.key.value === 'init_file') {
        // `init_file [VALUE] [overwrite]` (track_file.c track_file_init_handler): VALUE defaults to 0.
        const init = { value: 0, overwrite: false };
        for (const a of n.args) {
          if (a.value === 'overwrite') init.overwrite = true;
          else if (/^-?\d+$/.test(a.value)) init.value = Number(a.value);
        }
        f.init = init;
      } else this.unknownKeyword(n, `track_file ${f.name}`, ['file', 'weight', 'init_file']);
    }
    if (f.file === '') this.err('KA_FILE_MISSING_ARG', `track_file '${f.name}' has no 'file' line`, b, name);
    this.config.trackFiles[f.name] = f;
  }

  private syncGroup(b: KaNode): void {
    const name = this.nameOf(b);
    const body = this.blockOf(b, 'vrrp_sync_group <name>');
    if (!name) return;
    const g: VrrpSyncGroup = { name: name.value, instances: [], trackScripts: [], at: refOf(b.file, b.key) };
    for (const n of body) {
      if (n.key.value === 'group') g.instances.push(...this.listItems(n).map((i) => i.key.value));
      else if (n.key.value === 'track_script') g.trackScripts.push(...this.trackRefs(n, -253, 253));
      else this.unmodeled(n, `vrrp_sync_group ${g.name}`);
    }
    (this.config.syncGroups ??= []).push(g);
  }

  /** The entries of a list block (`unicast_peer { … }`, `track_script { … }`), one per line. */
  private listItems(n: KaNode): KaNode[] {
    const items = this.blockOf(n, n.key.value);
    for (const i of items) if (i.children) this.err('KA_UNEXPECTED_BLOCK', `unexpected block in '${n.key.value}'`, i, i.key);
    // Items written on the keyword's own line (`group VI_1 VI_2`) are not valid keepalived syntax but are common; accept them.
    return items;
  }

  private trackRefs(n: KaNode, min: number, max: number): TrackRef[] {
    const out: TrackRef[] = [];
    for (const i of this.listItems(n)) {
      const ref: TrackRef = { name: i.key.value, at: refOf(i.file, i.key) };
      if (i.args[0]) {
        if (i.args[0].value !== 'weight') this.err('KA_BAD_VALUE', `expected 'weight' after '${i.key.value}', got '${i.args[0].value}'`, i, i.args[0], 'write `<name> weight <N> [reverse]`');
        else if (!i.args[1]) this.err('KA_MISSING_ARG', "'weight' needs a number", i, i.args[0]);
        else {
          const w = this.weightArgs(i, 1, min, max);
          if (w.weight !== undefined) ref.weight = w.weight;
          if (w.reverse) ref.weightReverse = true;
        }
      }
      out.push(ref);
    }
    return out;
  }

  private instance(b: KaNode): void {
    const name = this.nameOf(b);
    const body = this.blockOf(b, 'vrrp_instance <name>');
    if (!name) return;
    const inst: VrrpInstance = {
      name: name.value,
      state: 'BACKUP',
      interface: '',
      virtualRouterId: 0,
      priority: KEEPALIVED_DEFAULTS.priority,
      advertIntS: KEEPALIVED_DEFAULTS.advertIntS,
      version: this.config.vrrpVersion ?? KEEPALIVED_DEFAULTS.version,
      nopreempt: false,
      unicastPeers: [],
      vips: [],
      trackScripts: [],
      trackProcesses: [],
      trackFiles: [],
      trackInterfaces: [],
      at: refOf(b.file, b.key),
    };
    let hasVrid = false;
    for (const n of body) {
      switch (n.key.value) {
        case 'state': {
          const t = this.arg(n);
          if (!t) break;
          // Case matters: keepalived 2.2.7 reads `state master` as unknown and starts as BACKUP.
          const v = t.value;
          if (v === 'MASTER' || v === 'BACKUP') inst.state = v;
          else this.err('KA_BAD_VALUE', `'state' expects MASTER or BACKUP, got '${t.value}': keepalived starts it as BACKUP`, n, t, v.toUpperCase() === 'MASTER' ? "write 'MASTER' in capitals" : undefined);
          break;
        }
        case 'interface': {
          const t = this.arg(n);
          if (t) inst.interface = t.value;
          break;
        }
        case 'virtual_router_id': {
          const v = this.int(n, 1, 255);
          if (v !== undefined) {
            inst.virtualRouterId = v;
            hasVrid = true;
          }
          break;
        }
        case 'priority': {
          const v = this.int(n, 1, 255);
          if (v !== undefined) inst.priority = v;
          break;
        }
        case 'advert_int': {
          const v = this.decimal(n, 0.01, 255);
          if (v !== undefined) inst.advertIntS = v;
          break;
        }
        case 'version': {
          const v = this.int(n, 2, 3);
          if (v === 2 || v === 3) inst.version = v;
          break;
        }
        case 'nopreempt':
          inst.nopreempt = true;
          break;
        case 'check_unicast_src':
          inst.checkUnicastSrc = true;
          break;
        case 'preempt_delay': {
          const v = this.decimal(n, 0, 1000);
          if (v !== undefined) inst.preemptDelayS = v;
          break;
        }
        case 'authentication':
          this.auth(n, inst);
          break;
        case 'unicast_src_ip': {
          const t = this.arg(n);
          if (t && !isIpAddress(t.value)) this.err('KA_BAD_ADDRESS', `'${t.value}' is not an IP address`, n, t);
          else if (t) inst.unicastSrcIp = t.value;
          break;
        }
        case 'unicast_peer':
          for (const i of this.listItems(n)) {
            if (!isIpAddress(i.key.value)) this.err('KA_BAD_ADDRESS', `'${i.key.value}' is not an IP address`, i, i.key);
            else inst.unicastPeers.push(i.key.value);
          }
          break;
        case 'virtual_ipaddress':
        case 'virtual_ipaddress_excluded':
          for (const i of this.listItems(n)) {
            const vip = this.vip(i);
            if (vip) inst.vips.push(vip);
          }
          break;
        case 'track_script':
          inst.trackScripts.push(...this.trackRefs(n, -253, 253));
          break;
        case 'track_process':
          inst.trackProcesses.push(...this.trackRefs(n, -254, 254));
          break;
        case 'track_file':
          inst.trackFiles.push(...this.trackRefs(n, -254, 254));
          break;
        case 'track_interface':
          inst.trackInterfaces.push(...this.trackRefs(n, -253, 253));
          break;
        default:
          if (INSTANCE_KNOWN.has(n.key.value)) this.unmodeled(n, `vrrp_instance ${inst.name}`);
          else this.unknownKeyword(n, `vrrp_instance ${inst.name}`, [...INSTANCE_KNOWN, 'state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'version', 'nopreempt', 'preempt_delay', 'authentication', 'unicast_src_ip', 'unicast_peer', 'virtual_ipaddress', 'track_script', 'track_process', 'track_file', 'track_interface']);
      }
    }
    for (const t of inst.trackInterfaces) {
      if (t.name === inst.interface && t.at) {
        this.sink.warning('KA_TRACK_OWN_INTERFACE', `track_interface ${t.name} is the instance's own interface: keepalived ignores it`, t.at.file, { line: t.at.line, col: t.at.col ?? 1, length: t.name.length }, 'the instance already goes to FAULT when its interface is down; remove the line');
      }
    }
    if (inst.auth && (this.config.vrrpStrict || inst.version === 3)) {
      // keepalived vrrp.c vrrp_complete_instance: "Strict mode does not support authentication. Ignoring." /
      // "VRRP version 3 does not support authentication. Ignoring." (auth_type is reset to none, so peers whose
      // passwords differ still hear each other).
      const authNode = b.children?.find((n) => n.key.value === 'authentication');
      const why = this.config.vrrpStrict ? 'vrrp_strict does' : 'VRRP version 3 does';
      this.sink.warning('KA_AUTH_IGNORED', `vrrp_instance '${inst.name}': ${why} not support authentication; keepalived ignores it`, authNode?.file ?? b.file, authNode?.key ?? name, 'remove the authentication block (VRRPv3 has no authentication)');
      delete inst.auth;
    }
    if (inst.state === 'MASTER' && inst.auth?.type === 'AH') {
      // keepalived 2.2.7: "Initial state master is incompatible with AH authentication - clearing".
      this.sink.warning('KA_AH_MASTER', `vrrp_instance '${inst.name}': initial state MASTER is incompatible with AH authentication; keepalived starts it as BACKUP`, b.file, name, 'use state BACKUP (priorities decide who becomes master) or auth_type PASS');
      inst.state = 'BACKUP';
    }
    if (!hasVrid) this.err('KA_MISSING_VRID', `vrrp_instance '${inst.name}' has no virtual_router_id`, b, name, 'add `virtual_router_id <1-255>`, the same on every peer');
    if (inst.interface === '' && inst.unicastPeers.length === 0) {
      this.sink.warning('KA_MISSING_INTERFACE', `vrrp_instance '${inst.name}' has no interface`, b.file, name, 'add `interface <nic>`');
    }
    if (this.config.instances.some((i) => i.name === inst.name)) this.err('KA_DUPLICATE', `vrrp_instance '${inst.name}' is declared twice`, b, name);
    this.config.instances.push(inst);
  }

  private auth(b: KaNode, inst: VrrpInstance): void {
    let type: 'PASS' | 'AH' | undefined;
    let pass: string | undefined;
    for (const n of this.blockOf(b, 'authentication')) {
      if (n.key.value === 'auth_type') {
        const t = this.arg(n);
        if (t?.value === 'PASS' || t?.value === 'AH') type = t.value;
        else if (t) this.err('KA_BAD_VALUE', `'auth_type' expects PASS or AH, got '${t.value}'`, n, t);
      } else if (n.key.value === 'auth_pass') {
        const t = this.arg(n);
        if (!t) continue;
        pass = t.value;
        if (pass.length > 8) {
          this.sink.warning('KA_AUTH_PASS_TRUNCATED', `auth_pass is ${pass.length} characters: keepalived uses only the first 8`, n.file, t, 'peers that differ only after the 8th character still authenticate each other');
        }
      } else this.unknownKeyword(n, 'authentication', ['auth_type', 'auth_pass']);
    }
    if (type && pass !== undefined) inst.auth = { type, pass };
    else if (type || pass !== undefined) this.err('KA_INCOMPLETE_AUTH', 'authentication needs both auth_type and auth_pass', b, b.key);
  }

  /** `ADDR[/prefix] [dev IF] [label L] [brd X] [scope S] …` */
  private vip(i: KaNode): Vip | undefined {
    const [addr, prefixStr] = i.key.value.split('/', 2) as [string, string | undefined];
    if (!isIpAddress(addr)) {
      this.err('KA_BAD_ADDRESS', `'${i.key.value}' is not an IP address`, i, i.key, 'write an address such as 10.0.0.10 or 10.0.0.10/32');
      return undefined;
    }
    const vip: Vip = { address: addr, at: refOf(i.file, i.key) };
    if (prefixStr !== undefined) {
      const p = parseIntStrict(prefixStr);
      const max = addr.includes(':') ? 128 : 32;
      if (p === undefined || p < 0 || p > max) {
        this.err('KA_BAD_PREFIX', `'/${prefixStr}' is not a valid prefix length`, i, i.key, `a prefix is 0 to ${max}`);
        return undefined;
      }
      vip.prefix = p;
    }
    for (let k = 0; k < i.args.length; k++) {
      const w = i.args[k]?.value;
      const v = i.args[k + 1]?.value;
      if (w === 'dev' && v !== undefined) {
        vip.dev = v;
        k++;
      } else if (w === 'label' && v !== undefined) {
        vip.label = v;
        k++;
      } else if (['brd', 'broadcast', 'scope', 'table', 'metric', 'peer', 'preferred_lft', 'protocol'].includes(w ?? '') && v !== undefined) k++;
    }
    return vip;
  }

  private crossChecks(): void {
    const c = this.config;
    // keepalived refuses (-t exits 6, "SECURITY VIOLATION") to run scripts as root unless enable_script_security is set.
    // Without script_user they run as keepalived_script if that user exists on the host, else as root: we cannot
    // see the host's users, so that case is reported too, naming the assumption.
    if (!c.enableScriptSecurity) {
      for (const s of Object.values(c.scripts)) {
        const user = s.user ?? c.scriptUser;
        if ((user === undefined || user === 'root') && s.at) {
          this.sink.warning(
            'KA_SCRIPT_SECURITY',
            `vrrp_script '${s.name}' runs as ${user ?? 'root (no script_user, unless a keepalived_script user exists)'} without enable_script_security`,
            s.at.file,
            { line: s.at.line, col: s.at.col ?? 1, length: 'vrrp_script'.length },
            'keepalived reports a SECURITY VIOLATION; add enable_script_security (and script_user) to global_defs',
          );
          break;
        }
      }
    }
    const check = (refs: TrackRef[], known: Record<string, unknown>, what: string, inst: string): void => {
      for (const r of refs) {
        if (known[r.name] || !r.at) continue;
        this.sink.warning('KA_UNKNOWN_TRACKER', `vrrp_instance '${inst}' tracks ${what} '${r.name}', which is not declared`, r.at.file, { line: r.at.line, col: r.at.col ?? 1, length: r.name.length }, didYouMean(r.name, Object.keys(known)) ? `did you mean '${didYouMean(r.name, Object.keys(known)) ?? ''}'?` : `keepalived ignores an undeclared ${what}`);
      }
    };
    for (const i of c.instances) {
      check(i.trackScripts, c.scripts, 'vrrp_script', i.name);
      check(i.trackProcesses, c.processes, 'track_process', i.name);
      check(i.trackFiles, c.trackFiles, 'track_file', i.name);
    }
    for (const g of c.syncGroups ?? []) {
      for (const name of g.instances) {
        if (!c.instances.some((i) => i.name === name) && g.at) this.sink.warning('KA_UNKNOWN_INSTANCE', `vrrp_sync_group '${g.name}' names instance '${name}', which is not declared`, g.at.file, { line: g.at.line, col: g.at.col ?? 1 });
      }
    }
  }
}
