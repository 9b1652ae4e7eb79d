import { Option } from 'commander';
import type { Command } from 'commander';
import { fchmodSync, fstatSync } from 'node:fs';
import { InputError } from '../diag/errors.js';
import { kubeconfigFor } from '../ops/certs.js';
import { KUBECONFIG_USERS } from '../pki/kubeconfig.js';
import type { KubeconfigUser } from '../pki/kubeconfig.js';
import { ExitCode } from './exit-codes.js';
import { loadSpecFile, writeOutputFile } from './io.js';

/** `kubeha kubeconfig SPEC [--user admin] [-o FILE]`: a user's kubeconfig from the state directory's PKI. */

interface KubeconfigOptions {
  user: KubeconfigUser;
  out?: string;
  force?: boolean;
  server?: string;
  stateDir?: string;
}

async function kubeconfigCommand(specPath: string, opts: KubeconfigOptions): Promise<number> {
  const spec = await loadSpecFile(specPath);
  if (opts.server !== undefined && !/^https:\/\/\S+$/.test(opts.server))
    throw new InputError([{ code: 'E_ARG', severity: 'error', message: `--server must be an https:// URL, got "${opts.server}"`, hint: 'e.g. --server https://api.example.com:6443' }]);
  const toFile = opts.out !== undefined && opts.out !== '-';
  if (!toFile && process.stdout.isTTY)
    throw new InputError([{ code: 'CERT_KEY_TO_TERMINAL', severity: 'error', message: 'a kubeconfig holds a private key: kubeha does not print it to a terminal', hint: `redirect it (kubeha kubeconfig ${specPath} > ${opts.user}.conf) or pass -o ${opts.user}.conf` }]);
  const { text, issued } = await kubeconfigFor(specPath, spec, {
    user: opts.user,
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...(opts.server ? { server: opts.server } : {}),
  });
  if (issued.length > 0) process.stderr.write(`issued ${issued.length} certificate(s) into the state directory (the cluster's PKI did not exist yet or was incomplete)\n`);
  if (toFile) {
    await writeOutputFile(opts.out!, text, { overwrite: opts.force === true, mode: 0o600, existsHint: 'pass --force to replace it' });
    process.stderr.write(`wrote ${opts.out} (mode 0600): ${opts.user} of cluster ${spec.name}\n`);
    return ExitCode.Ok;
  }
  // `> admin.conf` creates the file with the umask's mode (often 0644): narrow a regular file to 0600 before writing.
  try {
    if (fstatSync(1).isFile()) fchmodSync(1, 0o600);
  } catch {
    // a pipe or a file we do not own: nothing to narrow
  }
  process.stdout.write(text);
  return ExitCode.Ok;
}

export function registerKubeconfig(program: Command): void {
  program
    .command('kubeconfig')
    .description("Print a user's kubeconfig (server = the endpoint, the cluster CA and a client certificate embedded), from kubeha's PKI.")
    .argument('<spec>', 'cluster spec (YAML)')
    .addOption(new Option('--user <name>', 'admin: group kubeadm:cluster-admins (bound to cluster-admin by RBAC); super-admin: group system:masters, break-glass').choices([...KUBECONFIG_USERS]).default('admin'))
    .option('-o, --out <file>', 'write it to FILE (mode 0600) instead of stdout')
    .option('--force', 'replace FILE when it exists')
    .option('--server <url>', 'the server URL written into it (default: https://<endpoint domain or address>:<port>)')
    .option('--state-dir <dir>', "the cluster's state directory (default: .kubeha/<cluster name> next to the spec)")
    .addHelpText(
      'after',
      `
Examples:
  kubeha kubeconfig cluster.yaml > admin.conf          # the file is narrowed to 0600
  kubeha kubeconfig cluster.yaml -o ~/.kube/demo.conf
  kubeha kubeconfig cluster.yaml --user super-admin -o super-admin.conf --force
  kubeha kubeconfig cluster.yaml --server https://203.0.113.10:6443 | kubectl --kubeconfig /dev/stdin get ns

The private key goes only where you send it: never to a terminal (use -o or a redirect), never to a log.
If the cluster's PKI does not exist yet, it is issued into the state directory (the next apply uses it).

Exit codes:
  0  written
  2  bad input (spec, arguments, stdout is a terminal, FILE exists without --force)
  3  the state directory cannot be read or written`,
    )
    .action(async (spec: string, opts: KubeconfigOptions) => {
      process.exitCode = await kubeconfigCommand(spec, opts);
    });
}
