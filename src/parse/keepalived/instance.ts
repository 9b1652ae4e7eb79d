import type { Vip, VrrpInstance } from '../../model/types.js';
import { isIPAddress } from '../../net/ipv4.js';
import { parseIntStrict, refOf, type Token } from '../sink.js';
import type { KeepalivedContext } from './context.js';
import { KEEPALIVED_DEFAULTS } from './defaults.js';
import { INSTANCE_KNOWN } from './keywords.js';
import type { KaNode } from './structure.js';

/** `vrrp_instance NAME { … }`: read after every other block, as it uses the global vrrp_version. */
export function instance(ctx: KeepalivedContext, b: KaNode): void {
  const name = ctx.nameOf(b);
  const body = ctx.blockOf(b, 'vrrp_instance <name>');
  if (!name) return;
  const inst: VrrpInstance = {
    name: name.value,
    state: 'BACKUP',
    interface: '',
    virtualRouterId: 0,
    priority: KEEPALIVED_DEFAULTS.priority,
    advertIntS: KEEPALIVED_DEFAULTS.advertIntS,
    version: ctx.config.vrrpVersion ?? KEEPALIVED_DEFAULTS.version,
    nopreempt: false,
    unicastPeers: [],
    vips: [],
    trackScripts: [],
    trackProcesses: [],
    trackFiles: [],
    trackInterfaces: [],
    at: refOf(b.file, b.key),
  };
  for (const n of body) instanceLine(ctx, n, inst);
  checkInstance(ctx, b, name, inst);
}

function instanceLine(ctx: KeepalivedContext, n: KaNode, inst: VrrpInstance): void {
  if (instanceSetting(ctx, n, inst) || instanceList(ctx, n, inst)) return;
  if (INSTANCE_KNOWN.has(n.key.value)) ctx.unmodeled(n, `vrrp_instance ${inst.name}`);
  else ctx.unknownKeyword(n, `vrrp_instance ${inst.name}`, [...INSTANCE_KNOWN, 'state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'version', 'nopreempt', 'preempt_delay', 'authentication', 'unicast_src_ip', 'unicast_peer', 'virtual_ipaddress', 'track_script', 'track_process', 'track_file', 'track_interface']);
}

/** The scalar settings of an instance; false when the keyword is not one of them. */
function instanceSetting(ctx: KeepalivedContext, n: KaNode, inst: VrrpInstance): boolean {
  switch (n.key.value) {
    case 'state': {
      const t = ctx.arg(n);
      if (!t) break;
      // Case matters: keepalived 2.2.7 reads `state master` as unknown and starts as BACKUP.
      const v = t.value;
      if (v === 'MASTER' || v === 'BACKUP') inst.state = v;
      else ctx.err('KA_BAD_VALUE', `'state' expects MASTER or BACKUP, got '${t.value}': keepalived starts it as BACKUP`, n, t, v.toUpperCase() === 'MASTER' ? "write 'MASTER' in capitals" : undefined);
      break;
    }
    case 'interface': {
      const t = ctx.arg(n);
      if (t) inst.interface = t.value;
      break;
    }
    case 'virtual_router_id': {
      const v = ctx.int(n, 1, 255);
      if (v !== undefined) inst.virtualRouterId = v;
      break;
    }
    case 'priority': {
      const v = ctx.int(n, 1, 255);
      if (v !== undefined) inst.priority = v;
      break;
    }
    case 'advert_int': {
      const v = ctx.decimal(n, 0.01, 255);
      if (v !== undefined) inst.advertIntS = v;
      break;
    }
    case 'version': {
      const v = ctx.int(n, 2, 3);
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
      const v = ctx.decimal(n, 0, 1000);
      if (v !== undefined) inst.preemptDelayS = v;
      break;
    }
    default:
      return false;
  }
  return true;
}

/** Authentication, addresses and tracker references of an instance; false when the keyword is not one of them. */
function instanceList(ctx: KeepalivedContext, n: KaNode, inst: VrrpInstance): boolean {
  switch (n.key.value) {
    case 'authentication':
      auth(ctx, n, inst);
      break;
    case 'unicast_src_ip': {
      const t = ctx.arg(n);
      if (t && !isIPAddress(t.value)) ctx.err('KA_BAD_ADDRESS', `'${t.value}' is not an IP address`, n, t);
      else if (t) inst.unicastSrcIp = t.value;
      break;
    }
    case 'unicast_peer':
      for (const i of ctx.listItems(n)) {
        if (!isIPAddress(i.key.value)) ctx.err('KA_BAD_ADDRESS', `'${i.key.value}' is not an IP address`, i, i.key);
        else inst.unicastPeers.push(i.key.value);
      }
      break;
    case 'virtual_ipaddress':
    case 'virtual_ipaddress_excluded':
      for (const i of ctx.listItems(n)) {
        const vip = vipOf(ctx, i);
        if (vip && n.key.value === 'virtual_ipaddress_excluded') vip.excluded = true;
        if (vip) inst.vips.push(vip);
      }
      break;
    case 'track_script':
      inst.trackScripts.push(...ctx.trackRefs(n, -253, 253));
      break;
    case 'track_process':
      inst.trackProcesses.push(...ctx.trackRefs(n, -254, 254));
      break;
    case 'track_file':
      inst.trackFiles.push(...ctx.trackRefs(n, -254, 254));
      break;
    case 'track_interface':
      inst.trackInterfaces.push(...ctx.trackRefs(n, -253, 253));
      break;
    default:
      return false;
  }
  return true;
}

/** What keepalived says or changes about a whole instance once it is read; then the instance joins the model. */
function checkInstance(ctx: KeepalivedContext, b: KaNode, name: Token, inst: VrrpInstance): void {
  for (const t of inst.trackInterfaces) {
    if (t.name === inst.interface && t.at) {
      ctx.sink.warning('KA_TRACK_OWN_INTERFACE', `track_interface ${t.name} is the instance's own interface: keepalived ignores it`, t.at.file, { line: t.at.line, col: t.at.col ?? 1, length: t.name.length }, 'the instance already goes to FAULT when its interface is down; remove the line');
    }
  }
  if (inst.auth && (ctx.config.vrrpStrict || inst.version === 3)) {
    // keepalived vrrp.c vrrp_complete_instance: "Strict mode does not support authentication. Ignoring." /
    // "VRRP version 3 does not support authentication. Ignoring." (auth_type is reset to none, so peers whose
    // passwords differ still hear each other).
    const authNode = b.children?.find((n) => n.key.value === 'authentication');
    const why = ctx.config.vrrpStrict ? 'vrrp_strict does' : 'VRRP version 3 does';
    ctx.sink.warning('KA_AUTH_IGNORED', `vrrp_instance '${inst.name}': ${why} not support authentication; keepalived ignores it`, authNode?.file ?? b.file, authNode?.key ?? name, 'remove the authentication block (VRRPv3 has no authentication)');
    delete inst.auth;
  }
  if (inst.state === 'MASTER' && inst.auth?.type === 'AH') {
    // keepalived 2.2.7: "Initial state master is incompatible with AH authentication - clearing".
    ctx.sink.warning('KA_AH_MASTER', `vrrp_instance '${inst.name}': initial state MASTER is incompatible with AH authentication; keepalived starts it as BACKUP`, b.file, name, 'use state BACKUP (priorities decide who becomes master) or auth_type PASS');
    inst.state = 'BACKUP';
  }
  // Only a valid id (1-255) is ever stored, so 0 means that none was.
  if (inst.virtualRouterId === 0) ctx.err('KA_MISSING_VRID', `vrrp_instance '${inst.name}' has no virtual_router_id`, b, name, 'add `virtual_router_id <1-255>`, the same on every peer');
  if (inst.interface === '' && inst.unicastPeers.length === 0) {
    ctx.sink.warning('KA_MISSING_INTERFACE', `vrrp_instance '${inst.name}' has no interface`, b.file, name, 'add `interface <nic>`');
  }
  if (ctx.config.instances.some((i) => i.name === inst.name)) ctx.err('KA_DUPLICATE', `vrrp_instance '${inst.name}' is declared twice`, b, name);
  ctx.config.instances.push(inst);
}

/** `authentication { auth_type PASS|AH; auth_pass SECRET }` */
function auth(ctx: KeepalivedContext, b: KaNode, inst: VrrpInstance): void {
  let type: 'PASS' | 'AH' | undefined;
  let pass: string | undefined;
  for (const n of ctx.blockOf(b, 'authentication')) {
    if (n.key.value === 'auth_type') {
      const t = ctx.arg(n);
      if (t?.value === 'PASS' || t?.value === 'AH') type = t.value;
      else if (t) ctx.err('KA_BAD_VALUE', `'auth_type' expects PASS or AH, got '${t.value}'`, n, t);
    } else if (n.key.value === 'auth_pass') {
      const t = ctx.arg(n);
      if (!t) continue;
      pass = t.value;
      if (pass.length > 8) {
        ctx.sink.warning('KA_AUTH_PASS_TRUNCATED', `auth_pass is ${pass.length} characters: keepalived uses only the first 8`, n.file, t, 'peers that differ only after the 8th character still authenticate each other');
      }
    } else ctx.unknownKeyword(n, 'authentication', ['auth_type', 'auth_pass']);
  }
  if (type && pass !== undefined) inst.auth = { type, pass };
  else if (type || pass !== undefined) ctx.err('KA_INCOMPLETE_AUTH', 'authentication needs both auth_type and auth_pass', b, b.key);
}

/** `ADDR[/prefix] [dev IF] [label L] [brd X] [scope S] …` */
function vipOf(ctx: KeepalivedContext, i: KaNode): Vip | undefined {
  const [addr, prefixStr] = i.key.value.split('/', 2) as [string, string | undefined];
  if (!isIPAddress(addr)) {
    ctx.err('KA_BAD_ADDRESS', `'${i.key.value}' is not an IP address`, i, i.key, 'write an address such as 10.0.0.10 or 10.0.0.10/32');
    return undefined;
  }
  const vip: Vip = { address: addr, at: refOf(i.file, i.key) };
  if (prefixStr !== undefined) {
    const p = parseIntStrict(prefixStr);
    const max = addr.includes(':') ? 128 : 32;
    if (p === undefined || p < 0 || p > max) {
      ctx.err('KA_BAD_PREFIX', `'/${prefixStr}' is not a valid prefix length`, i, i.key, `a prefix is 0 to ${max}`);
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
