import type { Command } from 'commander';
import { Option } from 'commander';
import { InputError } from '../diag/errors.js';
import { renderDiagnostics } from '../diag/render.js';
import { importAnsible } from '../interop/ansible/import.js';
import type { ImportResult } from '../interop/import-common.js';
import { importKubekey } from '../interop/kubekey/import.js';
import { importedSpecYaml } from '../interop/import-yaml.js';
import { nonEmptyPath, readTextFile, writeOutputFile } from './io.js';

/**
 * `kubeha import kubekey FILE` and `kubeha import ansible HOSTS.INI [--vars FILE]`: turn what people already
 * have into a kubeha spec (stdout or -o). Diagnostics go to stderr; exit 2 when any is an error.
 */

interface ImportOpts {
  output?: string;
  /** The files read: -o must not name one of them. */
  inputs: string[];
  format: 'yaml' | 'json';
  name?: string;
  vars?: string;
}

async function emit(result: ImportResult, opts: ImportOpts): Promise<void> {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const others = result.diagnostics.filter((d) => d.severity !== 'error');
  if (errors.length > 0 || !result.spec) throw new InputError([...errors, ...others]);
  if (others.length > 0) process.stderr.write(renderDiagnostics(others) + '\n');
  const text = opts.format === 'json' ? JSON.stringify(result.spec, null, 2) + '\n' : importedSpecYaml(result.spec, result.source, result.diagnostics, opts.output && opts.output !== '-' ? opts.output : undefined);
  if (opts.output && opts.output !== '-') {
    await writeOutputFile(opts.output, text, { overwrite: true, inputs: opts.inputs });
    process.stderr.write(`wrote ${opts.output}: ${result.spec.hosts.length} hosts from ${result.source}; next: kubeha check ${opts.output}\n`);
  } else {
    process.stdout.write(text);
  }
}

const outputOption = (): Option => new Option('--output <format>', 'format of the spec written').choices(['yaml', 'json']).default('yaml');

export function registerImport(program: Command): void {
  const imp = program
    .command('import')
    .description('Turn a KubeKey config or an ansible inventory into a kubeha spec.')
    .addHelpText(
      'after',
      `
Examples:
  kubeha import kubekey config-sample.yaml > cluster.yaml
  kubeha import ansible conf/hosts.ini --vars conf/common.yaml -o cluster.yaml

The spec goes to stdout (or -o FILE), diagnostics to stderr. Plain-text passwords are reported, never copied.
Exit codes: 0 imported (warnings possible), 2 the input has errors (nothing written).`,
    );

  imp
    .command('kubekey')
    .description('Import a KubeKey cluster config (kubekey.kubesphere.io/v1alpha1 or v1alpha2, with or without the ks-installer document)')
    .argument('<file>', 'the KubeKey config, e.g. config-sample.yaml')
    .option('-o, --out <file>', 'write the spec to this file instead of stdout (a regular file, replaced atomically; never a link, FIFO or device)', nonEmptyPath)
    .option('--name <name>', 'cluster name (metadata.name); default: the config\'s metadata.name')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  kubeha import kubekey config-sample.yaml
  kubeha import kubekey config-sample.yaml -o cluster.yaml && kubeha check cluster.yaml
  kubeha import kubekey config-sample.yaml --output json | jq .hosts

Plain-text passwords and secrets are reported (masked), never copied; what kubeha does not model goes to passthrough.
Exit codes: 0 imported (warnings possible), 2 the input has errors or -o FILE cannot be written (nothing written).`,
    )
    .action(async (file: string, o: { out?: string; name?: string; output: 'yaml' | 'json' }) => {
      const text = await readTextFile(file);
      const opts: { name?: string } = {};
      if (o.name !== undefined) opts.name = o.name;
      await emit(importKubekey(text, file, opts), withOut(o, [file]));
    });

  imp
    .command('ansible')
    .description('Import an ansible INI inventory (KubeSphere hosts.ini, kubespray inventory.ini) and its vars file')
    .argument('<hosts.ini>', 'the inventory')
    .option('--vars <file>', 'YAML vars file with cluster settings, e.g. conf/common.yaml or group_vars/k8s_cluster/k8s-cluster.yml')
    .option('-o, --out <file>', 'write the spec to this file instead of stdout (a regular file, replaced atomically; never a link, FIFO or device)', nonEmptyPath)
    .option('--name <name>', 'cluster name (metadata.name)', 'imported')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  kubeha import ansible conf/hosts.ini --vars conf/common.yaml
  kubeha import ansible inventory/mycluster/inventory.ini --vars inventory/mycluster/group_vars/k8s_cluster/k8s-cluster.yml --name prod -o cluster.yaml

Groups: kube-master | kube_control_plane → control-plane, kube-node | kube_node → worker, etcd → etcd.
Vars: loadbalancer_apiserver {address, port}, apiserver_loadbalancer_domain_name, kube_version,
      kube_network_plugin, kube_pods_subnet, kube_service_addresses; the rest goes to passthrough.
Exit codes: 0 imported (warnings possible), 2 the input has errors or -o FILE cannot be written (nothing written).`,
    )
    .action(async (file: string, o: { out?: string; name?: string; output: 'yaml' | 'json'; vars?: string }) => {
      const text = await readTextFile(file);
      const opts: Parameters<typeof importAnsible>[2] = {};
      if (o.name !== undefined) opts.name = o.name;
      if (o.vars !== undefined) opts.vars = { file: o.vars, text: await readTextFile(o.vars) };
      await emit(importAnsible(text, file, opts), withOut(o, [file, ...(o.vars !== undefined ? [o.vars] : [])]));
    });
}

function withOut(o: { out?: string; name?: string; output: 'yaml' | 'json' }, inputs: string[]): ImportOpts {
  const r: ImportOpts = { format: o.output, inputs };
  if (o.out !== undefined) r.output = o.out;
  return r;
}
