import { aliasesAreSafe } from '../import-aliases.js';
import { parseYamlDocuments } from '../../diag/yaml-keys.js';
import { isMap, type Document, type YAMLMap } from 'yaml';
import { FileDiagnostics, commonSsh, hoistSsh, sniffFormat, toDnsLabel, type ImportResult } from '../import-common.js';
import { yamlHint, yamlMessage } from '../../diag/yaml-message.js';
import type { SpecInput } from '../../cluster-spec/schema.js';
import { keyPos, posOf, scalarText, valueOf } from '../yaml-nodes.js';
import { readHosts, readRoleGroups, specHosts, type KubekeyContext } from './import-hosts.js';
import { keepTheRest, readEndpoint, readEtcd, readKubernetes, readNetwork, reportPassthrough } from './import-settings.js';

/**
 * KubeKey cluster config (kubekey.kubesphere.io/v1alpha1 or v1alpha2, `kind: Cluster`, possibly followed by
 * the ks-installer `ClusterConfiguration` document) → our spec. Formats checked against kubekey's
 * docs/config-example.md and cmd/kk/apis/kubekey/v1alpha2 (cluster_types.go, default.go).
 *
 * What has no place in our spec is kept under `passthrough.kubekey` (for `kubeha export kubekey`) and listed
 * in an info diagnostic. Plain-text passwords are reported and never copied.
 */

export const KUBEKEY_GROUP = 'kubekey.kubesphere.io';
const KNOWN_VERSIONS = ['v1alpha1', 'v1alpha2'];

export interface KubekeyPassthrough {
  /** apiVersion of the imported Cluster document. */
  apiVersion: string;
  /** Keys of Cluster.spec (and of its sub-objects) that kubeha does not model, secrets redacted. */
  spec: Record<string, unknown>;
  /** Per host: fields kubeha does not model (arch, timeout…), and `address` when the SSH address differed. */
  hosts: Record<string, Record<string, unknown>>;
  /** The other YAML documents of the file (e.g. ks-installer's ClusterConfiguration), verbatim but redacted. */
  documents: unknown[];
}

export interface ImportOptions {
  /** Cluster name for metadata.name; default: the Cluster's metadata.name. */
  name?: string;
}

export function importKubekey(text: string, file: string, opts: ImportOptions = {}): ImportResult {
  const d = new FileDiagnostics(file, text);
  const source = `KubeKey config ${file}`;
  const done = (spec?: SpecInput): ImportResult => {
    const diagnostics = d.finish();
    return spec && !diagnostics.some((x) => x.severity === 'error') ? { spec, diagnostics, source } : { diagnostics, source };
  };

  const found = readClusterDocument(text, d);
  if (!found) return done();
  const { documents, cluster, apiVersion, version, specNode } = found;
  const ctx: KubekeyContext = { d, cluster, root: cluster.contents, specNode, pass: { apiVersion, spec: {}, hosts: {}, documents: [] } };
  const { pass } = ctx;

  const drafts = readHosts(ctx);
  if (!drafts) return done();
  const extraGroups = readRoleGroups(ctx, drafts);
  if (Object.keys(extraGroups).length > 0) pass.spec['roleGroups'] = extraGroups;
  const hosts = specHosts(ctx, drafts, extraGroups);
  const { loadBalancer, endpoint } = readEndpoint(
    ctx,
    hosts.filter((h) => h.roles.includes('control-plane')),
  );
  const cp: NonNullable<SpecInput['controlPlane']> = { endpoint, mode: 'kubekey' };
  const network: NonNullable<SpecInput['network']> = {};
  const etcd: NonNullable<SpecInput['etcd']> = {};
  readKubernetes(ctx, version, cp, network);
  readNetwork(ctx, network);
  readEtcd(ctx, etcd);
  keepTheRest(ctx, documents);
  reportPassthrough(ctx);
  if (d.list.some((x) => x.severity === 'error')) return done();

  const clusterName = readClusterName(ctx, opts);
  // Built in the order a reader expects the keys in the written YAML.
  const spec = { apiVersion: 'kubeha.io/v1alpha1', kind: 'Cluster', metadata: { name: clusterName } } as SpecInput;
  const hoisted = commonSsh(hosts);
  if (hoisted) spec.ssh = hoisted;
  spec.hosts = hoistSsh(hosts);
  spec.loadBalancer = loadBalancer;
  spec.controlPlane = cp;
  if (Object.keys(etcd).length > 0) spec.etcd = etcd;
  if (Object.keys(network).length > 0) spec.network = network;
  const kept: Partial<KubekeyPassthrough> = { ...pass };
  if (Object.keys(pass.hosts).length === 0) delete kept.hosts;
  if (pass.documents.length === 0) delete kept.documents;
  spec.passthrough = { kubekey: kept };
  return done(spec);
}

/**
 * The file's YAML documents and its KubeKey Cluster (the others are carried through); undefined, with an error,
 * when the file is another format, not YAML, empty, holds no Cluster, or the Cluster has no spec.
 */
function readClusterDocument(
  text: string,
  d: FileDiagnostics,
): { documents: Document[]; cluster: Document; apiVersion: string; version: string; specNode: YAMLMap } | undefined {
  const sniffed = sniffFormat(text);
  if (sniffed?.format === 'ini-inventory') {
    d.error('IMPORT_WRONG_FORMAT', 'this is an ansible INI inventory, not a KubeKey config', { line: sniffed.line, col: 1, length: sniffed.length }, 'import it with `kubeha import ansible FILE` (add --vars for its group_vars/common.yaml)');
    return undefined;
  }
  const parsed = parseYamlDocuments(text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      d.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), d.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  if (d.list.length === 0) aliasesAreSafe(docs, d);
  if (d.list.length > 0) return undefined;
  const nonEmpty = docs.filter((doc) => doc.contents !== null);
  if (nonEmpty.length === 0) {
    d.error('IMPORT_EMPTY', 'the file holds no YAML document', { line: 1, col: 1 }, 'pass the config-sample.yaml written by `kk create config`');
    return undefined;
  }
  const cluster = nonEmpty.find((doc) => {
    const kind = scalarText(valueOf(doc.contents, 'kind'));
    const apiVersion = scalarText(valueOf(doc.contents, 'apiVersion')) ?? '';
    return kind === 'Cluster' && apiVersion.startsWith(`${KUBEKEY_GROUP}/`);
  });
  if (!cluster) {
    wrongKind(d, nonEmpty[0] as Document);
    return undefined;
  }
  const root = cluster.contents;
  const apiVersion = scalarText(valueOf(root, 'apiVersion')) ?? '';
  const version = apiVersion.slice(KUBEKEY_GROUP.length + 1);
  if (!KNOWN_VERSIONS.includes(version)) {
    d.warning('IMPORT_KUBEKEY_VERSION', `apiVersion ${apiVersion} is not one kubeha knows (${KNOWN_VERSIONS.join(', ')}); importing it as v1alpha2`, posOf(d, valueOf(root, 'apiVersion')));
  }
  const specNode = valueOf(root, 'spec');
  if (!isMap(specNode)) {
    d.error('IMPORT_MISSING_FIELD', 'the Cluster document has no `spec` mapping', keyPos(d, root, 'spec') ?? { line: 1, col: 1 }, 'a KubeKey config has spec.hosts, spec.roleGroups and spec.controlPlaneEndpoint');
    return undefined;
  }
  return { documents: nonEmpty, cluster, apiVersion, version, specNode };
}

/** --name, else the Cluster's metadata.name, as a lower-case DNS label. */
function readClusterName({ d, root }: KubekeyContext, opts: ImportOptions): string {
  const rawName = opts.name ?? scalarText(valueOf(valueOf(root, 'metadata'), 'name')) ?? 'imported';
  const clusterName = toDnsLabel(rawName);
  if (clusterName !== rawName) {
    d.info('IMPORT_NAME', `cluster name ${rawName} becomes ${clusterName} (a lower-case DNS label)`, opts.name === undefined ? posOf(d, valueOf(valueOf(root, 'metadata'), 'name')) : undefined);
  }
  return clusterName;
}

function wrongKind(d: FileDiagnostics, doc: Document): void {
  const root = doc.contents;
  const kind = scalarText(valueOf(root, 'kind'));
  const apiVersion = scalarText(valueOf(root, 'apiVersion'));
  const at = posOf(d, valueOf(root, kind !== undefined ? 'kind' : 'apiVersion')) ?? posOf(d, root) ?? { line: 1, col: 1, length: 1 };
  if (apiVersion?.startsWith('kubeha.io/')) {
    d.error('IMPORT_WRONG_KIND', 'this is already a kubeha spec, not a KubeKey config', posOf(d, valueOf(root, 'apiVersion')) ?? at, 'run `kubeha check` on it instead of importing it');
    return;
  }
  const found = kind === undefined ? (isMap(root) ? 'no kind' : 'not a mapping') : `kind: ${kind}${apiVersion ? ` (${apiVersion})` : ''}`;
  d.error(
    'IMPORT_WRONG_KIND',
    `expected a KubeKey \`kind: Cluster\` with apiVersion ${KUBEKEY_GROUP}/v1alpha1 or v1alpha2, found ${found}`,
    at,
    kind === 'ClusterConfiguration' ? 'this is the ks-installer document; import the config-sample.yaml that also holds the KubeKey Cluster' : 'pass the file written by `kk create config` (kind: Cluster)',
  );
}
