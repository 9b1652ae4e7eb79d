import { type Diagnostic } from '../diag/diagnostic.js';
import { boundedDidYouMean } from '../diag/did-you-mean.js';
import type { HaModel } from '../model/types.js';
import { HOST_PATHS, MANIFEST_FILE, MANIFEST_PATH } from '../model/mirror-layout.js';
import { isIPAddress } from '../net/ipv4.js';
import type { FileSource } from './file-source.js';
import { DEFAULT_APISERVER_PORT, hostPath, readHost } from './mirror-host.js';
import { readManifest, type HostEntry } from './mirror-manifest.js';
import { DiagnosticSink, dirname } from './sink.js';
import { parseHostsFile } from './sysctl.js';

/**
 * A mirror DIR → HaModel. The FileSource is rooted at the mirror: the manifest `hosts.yaml` says what clients
 * connect to and which hosts there are; each host's files live under `/<host>/` as on the host itself.
 *
 * ```yaml
 * endpoint: 10.0.0.10:6443          # or name:6443, resolved through the hosts' /etc/hosts
 * hosts:
 *   - { name: lb-0, address: 10.0.0.2 }
 *   - { name: m1, address: 10.0.0.4, apiserver: true }   # optional: true | <port> | false
 * externalLb:                       # optional, for cloud/hardware LBs (no keepalived)
 *   { address: 10.0.0.253, port: 6443, hairpin: false, healthCheck: true, backends: [10.0.0.4:6443] }
 * ```
 *
 * `model` is undefined only when the manifest itself is unusable; problems in the hosts' configs are diagnostics
 * (with `host` set) next to a model built from what could be read.
 */
export interface LoadedMirror {
  model?: HaModel;
  diagnostics: Diagnostic[];
}

export function loadMirror(fs: FileSource, manifestPath = MANIFEST_PATH): LoadedMirror {
  const sink = new DiagnosticSink();
  const manifest = readManifest(fs, manifestPath, sink);
  const endpoint = manifest?.endpoint;
  if (!manifest || !endpoint || sink.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sink.diagnostics };
  const { hosts, externalLb } = manifest;
  warnUnlistedFolders(fs, manifestPath, hosts, sink);

  const diagnostics = [...sink.diagnostics];
  const model: HaModel = { endpoint, hosts: [] };
  if (externalLb) model.externalLb = externalLb;
  for (const h of hosts) {
    const r = readHost(fs, manifestPath, h.name, h.address, endpoint);
    for (const d of r.diagnostics) diagnostics.push({ ...d, host: h.name });
    model.hosts.push(r.host);
  }
  markApiservers(fs, manifestPath, model, hosts);
  return { model, diagnostics };
}

/** A folder next to hosts.yaml that no host names is most likely a misspelt host: its files would be ignored. */
function warnUnlistedFolders(fs: FileSource, manifestPath: string, hosts: HostEntry[], sink: DiagnosticSink): void {
  const names = hosts.map((h) => h.name);
  const folderless = names.filter((n) => fs.listDir(hostPath(manifestPath, n, '/')) === undefined);
  const suggest = boundedDidYouMean();
  const named = new Set(names);
  for (const entry of fs.listDir(dirname(manifestPath)) ?? []) {
    if (entry.startsWith('.') || named.has(entry) || fs.listDir(hostPath(manifestPath, entry, '/')) === undefined) continue;
    const near = suggest(entry, folderless);
    sink.warning('MIRROR_UNLISTED_FOLDER', `folder '${entry}' is not a host of ${MANIFEST_FILE}: its files are not analysed`, manifestPath, { line: 1, col: 1 }, near ? `rename it to '${near}' (a host without a folder)` : 'add it to hosts: or remove it');
  }
}

/**
 * Apiservers: hosts whose address is a backend server of any haproxy.cfg (or of the external LB), or declared so.
 * A server written as a name matches the host of that name, or the address the LB host's /etc/hosts gives it.
 */
function markApiservers(fs: FileSource, manifestPath: string, model: HaModel, hosts: HostEntry[]): void {
  const backendPorts = new Map<string, number>();
  for (const mh of model.hosts) {
    if (!mh.haproxy) continue;
    let names: Map<string, string[]> | undefined;
    for (const b of mh.haproxy.backends)
      for (const s of b.servers) {
        if (s.port <= 0) continue;
        const keys = [s.address];
        if (!isIPAddress(s.address)) {
          names ??= parseHostsFile(fs.readFile(hostPath(manifestPath, mh.name, HOST_PATHS.hosts)) ?? '');
          const ip = names.get(s.address)?.[0];
          if (ip !== undefined) keys.push(ip);
        }
        for (const k of keys) if (!backendPorts.has(k)) backendPorts.set(k, s.port);
      }
  }
  for (const b of model.externalLb?.backends ?? []) if (!backendPorts.has(b.address)) backendPorts.set(b.address, b.port);
  const entryByName = new Map(hosts.map((h) => [h.name, h]));
  for (const mh of model.hosts) {
    const entry = entryByName.get(mh.name);
    const declared = entry?.apiserver;
    const fromBackend = backendPorts.get(mh.address) ?? backendPorts.get(mh.name);
    const port = typeof declared === 'number' ? declared : fromBackend ?? mh.apiserver?.port ?? DEFAULT_APISERVER_PORT;
    if (declared === false) delete mh.apiserver;
    else if (declared !== undefined || fromBackend !== undefined || mh.apiserver) mh.apiserver = { ...(mh.apiserver ?? {}), port };
  }
}
