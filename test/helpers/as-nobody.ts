import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** What `bin/kubeha` loads: the launcher, the build, the runtime dependencies and the package type (ESM). */
const NEEDED = ['bin', 'dist', 'node_modules', 'package.json'];

/** Why `kubehaAsNobody` cannot run here, or undefined when it can (root, and util-linux's setpriv and unshare). */
export function whyNotAsNobody(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to drop to nobody)';
  for (const tool of ['setpriv', 'unshare']) if (spawnSync(tool, ['--version']).status !== 0) return `${tool} (util-linux) is missing`;
  return undefined;
}

/**
 * Runs the built CLI (`bin/kubeha`, needs dist/) as nobody (uid/gid 65534), wherever the checkout is: a clone under
 * /root (0700 on Debian) or in a `mktemp -d` directory cannot be traversed by nobody. The pieces the CLI needs are
 * bind-mounted onto a fresh 0755 directory under /tmp inside a private mount namespace, so nothing is copied and no
 * permission of the user's directories is changed; the mounts end with the process.
 */
export function kubehaAsNobody(args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  // /tmp, not tmpdir(): TMPDIR may point to a directory other users cannot traverse.
  const place = mkdtempSync('/tmp/kubeha-as-nobody-');
  chmodSync(place, 0o755);
  for (const p of NEEDED) {
    if (p.includes('.')) writeFileSync(join(place, p), '');
    else mkdirSync(join(place, p));
  }
  const script = [
    'set -e',
    'place=$1 root=$2',
    'shift 2',
    `for p in ${NEEDED.join(' ')}; do mount --bind "$root/$p" "$place/$p"; done`,
    'cd "$place"',
    'exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"',
  ].join('\n');
  try {
    return spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', place, ROOT, process.execPath, join(place, 'bin/kubeha'), ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
    });
  } finally {
    // One by one, never recursively: nothing is mounted here any more (the namespace ended with the process).
    for (const p of NEEDED) {
      if (p.includes('.')) unlinkSync(join(place, p));
      else rmdirSync(join(place, p));
    }
    rmdirSync(place);
  }
}
