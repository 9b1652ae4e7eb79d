import type { Command } from 'commander';
import { Option } from 'commander';
import { BUNDLE_HOST_DIR, DEFAULT_BUNDLE_PACKAGES, buildBundle } from '../lab/bundle.js';
import { preflight } from '../lab/lab.js';
import { packagesOfSpec } from '../ops/lab-bundle.js';
import { withBinariesLocated } from '../ops/binaries.js';
import { loadSpecFile, nonEmptyPath } from './io.js';

export function registerBundle(program: Command): void {
  program
    .command('bundle')
    .description('Build the offline bundle: the .deb packages the cluster needs, with their dependencies for the target (Debian bookworm base), as a local apt repository.')
    .option('--out <dir>', 'copy the bundle here (default: print the cache directory)', nonEmptyPath)
    .option('--spec <file>', "bundle what this spec renders for its hosts, the Kubernetes binaries of its version included (default: haproxy, keepalived, curl)")
    .option('--package <name...>', 'extra Debian packages to include')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha bundle
  sudo kubeha bundle --spec cluster.yaml --out ./bundle
  sudo kubeha bundle --package socat --output json

Dependencies are resolved against the lab's base image (its dpkg status), from the Debian sources this machine's
apt already uses. Cached under /var/cache/kubeha/bundle-<key> ($KUBEHA_CACHE), keyed by packages, base and sources.
kubeha's own packages (kubeha-etcd, kubeha-kube-apiserver, kubeha-kube-controller-manager, kubeha-kube-scheduler,
kubeha-kubectl, kubeha-kubeadm: upstream binaries under /usr/local/bin, version = the upstream version) are made with
dpkg-deb from the binaries of the spec's controlPlane.version, built first when the cache lacks them
(scripts/k8s-binaries.sh, ~10 min on an idle 2-core machine).
On a host: copy the directory to ${BUNDLE_HOST_DIR}, then
  echo 'deb [trusted=yes] file:${BUNDLE_HOST_DIR} ./' > /etc/apt/sources.list.d/kubeha-bundle.list
  apt-get update && apt-get install -y --no-install-recommends haproxy keepalived
Exit codes: 0 built or cached, 2 bad spec or package (not a Debian name, or not in the sources: nothing built;
a Kubernetes version with no binaries in the cache and none buildable, at controlPlane.version),
3 not root, a tool missing, or a download failed.`,
    )
    .action(async (opts: { out?: string; spec?: string; package?: string[]; output: 'text' | 'json' }) => {
      preflight([
        ['debootstrap', 'debootstrap'],
        ['apt-get', 'apt'],
        ['dpkg-scanpackages', 'dpkg-dev'],
      ]);
      const spec = opts.spec ? await loadSpecFile(opts.spec) : undefined;
      const packages = [...new Set([...(spec ? packagesOfSpec(spec) : DEFAULT_BUNDLE_PACKAGES), ...(opts.package ?? [])])];
      const b = await withBinariesLocated(opts.spec, () =>
        buildBundle({ packages, ...(spec ? { kubernetesVersion: spec.controlPlane.version } : {}), ...(opts.out ? { out: opts.out } : {}), onProgress: (m) => process.stderr.write(`${m}\n`) }),
      );
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify(b, null, 2) + '\n');
        return;
      }
      const mib = b.debs.reduce((n, d) => n + d.bytes, 0) / 2 ** 20;
      process.stdout.write(
        `bundle ${b.dir}: ${b.debs.length} packages (${mib.toFixed(1)} MiB) for ${b.packages.join(', ')}${b.built ? '' : ' (cached)'}\n` +
          `apt source on the host: ${b.sourceLine}\n`,
      );
    });
}
