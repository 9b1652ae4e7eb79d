import type { Command } from 'commander';
import { renderKubekeyConfig } from '../interop/kubekey/export.js';
import { loadSpecFile, nonEmptyPath, writeOutputFile } from './io.js';

/** `kubeha export kubekey SPEC [-o OUT]`: a KubeKey config whose controlPlaneEndpoint is kubeha's load balancer. */

export function registerExport(program: Command): void {
  const exp = program
    .command('export')
    .description('Write the configuration of another tool from a kubeha spec.')
    .addHelpText(
      'after',
      `
Examples:
  kubeha export kubekey cluster.yaml -o config-kk.yaml

Exit codes: 0 written, 2 the spec has errors or -o FILE cannot be written.`,
    );
  exp
    .command('kubekey')
    .description('Write a KubeKey v1alpha2 Cluster config whose controlPlaneEndpoint is kubeha\'s VIP and port')
    .argument('<spec>', 'the kubeha spec, e.g. cluster.yaml')
    .option('-o, --out <file>', 'write the config to this file instead of stdout', nonEmptyPath)
    .addHelpText(
      'after',
      `
Examples:
  kubeha export kubekey cluster.yaml > config-kk.yaml
  kubeha export kubekey cluster.yaml -o config-kk.yaml && kk create cluster -f config-kk.yaml

Hosts log in with privateKeyPath (no passwords); load-balancer hosts are left out; internalLoadbalancer
stays unset because kubeha runs the load balancer. Settings imported from a KubeKey config are written back.
Exit codes: 0 written, 2 the spec has errors or -o FILE cannot be written.`,
    )
    .action(async (file: string, o: { out?: string }) => {
      const spec = await loadSpecFile(file);
      const { text, notes } = renderKubekeyConfig(spec);
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      if (o.out && o.out !== '-') {
        await writeOutputFile(o.out, text, { overwrite: true, inputs: [file] });
        process.stderr.write(`wrote ${o.out}: KubeKey config for ${spec.name}, endpoint ${spec.controlPlane.endpoint.address}:${spec.controlPlane.endpoint.port}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
