import { chmod, copyFile, link, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONTROL_PLANE_PACKAGES, ETCD_USER } from '../render/control-plane-packages.js';
import type { K8sBinaries, K8sBinary } from './k8s-binaries.js';
import { must } from './run.js';

/**
 * The Kubernetes binaries as Debian packages, so that they reach hosts the way every other package does (the offline
 * bundle's apt repository, each host only what it runs): one package per component, files under /usr/local/bin,
 * version = the upstream version, made with `dpkg-deb` and cached beside the binaries (`…/debs/`).
 */

export interface K8sDeb {
  /** Debian package name, e.g. `kubeha-kube-apiserver`. */
  name: string;
  binaries: K8sBinary[];
  /** Whose version the package carries. */
  version: 'kubernetes' | 'etcd';
  description: string;
  /** The package creates the `etcd` system user and its data directory (/var/lib/etcd, 0700). */
  etcdUser?: boolean;
}

export const K8S_DEBS: readonly K8sDeb[] = [
  { name: CONTROL_PLANE_PACKAGES.etcd, binaries: ['etcd', 'etcdctl'], version: 'etcd', description: 'etcd and etcdctl (upstream, built by kubeha)', etcdUser: true },
  { name: CONTROL_PLANE_PACKAGES.apiserver, binaries: ['kube-apiserver'], version: 'kubernetes', description: 'Kubernetes API server (upstream, built by kubeha)' },
  { name: CONTROL_PLANE_PACKAGES.controllerManager, binaries: ['kube-controller-manager'], version: 'kubernetes', description: 'Kubernetes controller manager (upstream, built by kubeha)' },
  { name: CONTROL_PLANE_PACKAGES.scheduler, binaries: ['kube-scheduler'], version: 'kubernetes', description: 'Kubernetes scheduler (upstream, built by kubeha)' },
  { name: 'kubeha-kubectl', binaries: ['kubectl'], version: 'kubernetes', description: 'Kubernetes command-line client (upstream, built by kubeha)' },
  { name: 'kubeha-kubeadm', binaries: ['kubeadm'], version: 'kubernetes', description: 'kubeadm (upstream, built by kubeha)' },
];

export const isK8sDeb = (pkg: string): boolean => K8S_DEBS.some((d) => d.name === pkg);

/** `v1.37.2` → `1.37.2` (a Debian version starts with a digit). */
export const debVersion = (v: string): string => v.replace(/^v/, '');

/** The `DEBIAN/control` file (pure). */
export function debControl(deb: K8sDeb, version: string, arch: string, installedKiB: number): string {
  return [
    `Package: ${deb.name}`,
    `Version: ${debVersion(version)}`,
    `Architecture: ${arch}`,
    'Maintainer: kubeha <kubeha@localhost>',
    `Installed-Size: ${installedKiB}`,
    'Section: admin',
    'Priority: optional',
    ...(deb.etcdUser ? ['Depends: passwd'] : []),
    `Description: ${deb.description}`,
    ` Static binaries under /usr/local/bin: ${deb.binaries.join(', ')}.`,
    '',
  ].join('\n');
}

/** postinst of the etcd package: the `etcd` system user and its data directory, idempotent (pure). */
export function etcdPostinst(): string {
  return [
    '#!/bin/sh',
    'set -e',
    'if [ "$1" = configure ]; then',
    `  getent group ${ETCD_USER} >/dev/null || groupadd --system ${ETCD_USER}`,
    `  getent passwd ${ETCD_USER} >/dev/null || useradd --system --gid ${ETCD_USER} --home-dir /var/lib/etcd --no-create-home --shell /usr/sbin/nologin --comment "etcd (kubeha)" ${ETCD_USER}`,
    `  install -d -o ${ETCD_USER} -g ${ETCD_USER} -m 0700 /var/lib/etcd`,
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

export const debFileName = (deb: K8sDeb, version: string, arch: string): string => `${deb.name}_${debVersion(version)}_${arch}.deb`;

/**
 * The .deb files of `names` for these binaries (made once, cached in `<bin>/../debs/`); returns their paths.
 * gzip -1: the binaries shrink to about 40 %, and a busy machine builds the debs in seconds rather than minutes (xz).
 */
export async function k8sDebs(bins: K8sBinaries, names: readonly string[], arch: string, onProgress?: (m: string) => void): Promise<string[]> {
  const dir = join(dirname(bins.dir), 'debs');
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const name of names) {
    const deb = K8S_DEBS.find((d) => d.name === name);
    if (!deb) throw new Error(`not a kubeha package: ${name}`);
    const version = deb.version === 'etcd' ? bins.etcd : bins.kubernetes;
    const file = join(dir, debFileName(deb, version, arch));
    if (!(await exists(file))) {
      onProgress?.(`packaging ${name} ${debVersion(version)} (dpkg-deb)`);
      await buildDeb(deb, bins, version, arch, file);
    }
    out.push(file);
  }
  return out;
}

async function buildDeb(deb: K8sDeb, bins: K8sBinaries, version: string, arch: string, file: string): Promise<void> {
  const root = await mkdtemp(join(dirname(file), `.build-${deb.name}-`));
  try {
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await mkdir(join(root, 'usr/local/bin'), { recursive: true });
    let bytes = 0;
    for (const b of deb.binaries) {
      const target = join(root, 'usr/local/bin', b);
      await link(join(bins.dir, b), target).catch(() => copyFile(join(bins.dir, b), target));
      await chmod(target, 0o755);
      bytes += (await stat(target)).size;
    }
    await writeFile(join(root, 'DEBIAN/control'), debControl(deb, version, arch, Math.ceil(bytes / 1024)));
    if (deb.etcdUser) await writeFile(join(root, 'DEBIAN/postinst'), etcdPostinst(), { mode: 0o755 });
    const tmp = `${file}.tmp-${process.pid}`;
    await must(['dpkg-deb', '--root-owner-group', '-Zgzip', '-z1', '--build', root, tmp], { timeoutMs: 10 * 60_000 });
    await rename(tmp, file);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );
