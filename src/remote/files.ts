import { posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RemoteCommandError } from '../diag/errors.js';
import type { ExecResult, RemoteHost } from './ssh.js';
import { tail } from '../diag/output-tail.js';
import { shellQuote as q } from './ssh.js';

/**
 * Remote files: read, and replace atomically after the real tool validated the new content in place.
 * A crash (even SIGKILL of kubeha) at any point leaves either the old file or the new validated one:
 * the new content is uploaded to `.kubeha-tmp-*` beside the target, validated there, then renamed over it.
 */

/** Prefix of temporary files; leftovers of an interrupted run are removed by {@link cleanTempFiles}. */
export const TEMP_PREFIX = '.kubeha-tmp-';
export const BACKUP_SUFFIX = '.kubeha-bak';
/** Markers of units that must still be reloaded/restarted because their files changed (survive an interruption). */
export const PENDING_DIR = '/var/lib/kubeha/pending';

export interface RemoteFileState {
  content: string;
  /** e.g. 0o644 */
  mode: number;
  owner: string;
}

/** Reads a file; `undefined` when it does not exist. */
export async function readRemoteFile(host: RemoteHost, path: string): Promise<RemoteFileState | undefined> {
  const out = await host.run(`if [ -e ${q(path)} ]; then stat -c '%a %U' ${q(path)} && base64 -w0 ${q(path)}; else echo ABSENT; fi`, { label: `cat ${q(path)}` });
  return parseReadOutput(out);
}

export function parseReadOutput(out: string): RemoteFileState | undefined {
  const [head = '', b64 = ''] = out.split('\n');
  if (head.trim() === 'ABSENT') return undefined;
  const [mode = '644', owner = 'root'] = head.trim().split(' ');
  return { content: Buffer.from(b64.trim(), 'base64').toString('utf8'), mode: parseInt(mode, 8), owner };
}

/** Which real tool validates a file, as a shell command on `$tmp`. */
export function validatorCommand(kind: 'haproxy' | 'keepalived'): string {
  // keepalived -t exits non-zero on warnings too (e.g. a truncated auth_pass, a missing interface or script): all count.
  return kind === 'haproxy' ? 'haproxy -c -f "$tmp"' : 'keepalived -t -f "$tmp"';
}

export interface WriteFileRequest {
  path: string;
  content: string;
  mode: number;
  owner?: string;
  validate?: 'haproxy' | 'keepalived';
  /** Units to mark as pending reload/restart before the new file goes live, e.g. `haproxy.reload`. */
  pending?: string[];
}

/** Exit code of the write script when the tool rejected the file. */
const VALIDATION_FAILED = 90;
const TOOL_EXIT_MARKER = 'kubeha-validator-exit=';

/** The file was rejected by its validator; the live file was not touched. */
export class ValidationError extends RemoteCommandError {
  constructor(host: string, command: string, exitCode: number | null, readonly toolOutput: string, readonly path: string) {
    super(host, command, exitCode, toolOutput);
  }
}

/** Lines that replace one file atomically; `write` is the shell command that writes the content to "$tmp". */
function fileSection(req: WriteFileRequest, nonce: string, write: string): string[] {
  const dir = posix.dirname(req.path);
  const tmp = posix.join(dir, `${TEMP_PREFIX}${posix.basename(req.path)}-${nonce}`);
  const owner = req.owner ?? 'root';
  const lines = [
    // Directories it creates are 0755 (the umask of the script is 077, for the temp files): a service that runs as its
    // own user (etcd) must reach its files in /etc/kubernetes/pki/etcd; the secrets themselves are 0600.
    `[ -d ${q(dir)} ] || (umask 022 && mkdir -p ${q(dir)})`,
    `tmp=${q(tmp)}`,
    `trap 'rm -f "$tmp"' EXIT`,
    write,
    `chmod ${req.mode.toString(8).padStart(4, '0')} "$tmp"`,
    `chown ${q(owner)} "$tmp"`,
  ];
  if (req.validate) {
    const tool = req.validate;
    lines.push(`command -v ${tool} >/dev/null 2>&1 || { echo "${tool} is not installed here, so the file cannot be validated (run the packages phase first)" >&2; echo "${TOOL_EXIT_MARKER}127" >&2; exit ${VALIDATION_FAILED}; }`);
    // The tool's own exit code is passed on (after a marker line) so that the error shows it, not ours.
    lines.push(`out=$(${validatorCommand(req.validate)} 2>&1) && rc=0 || rc=$?`, `if [ "$rc" -ne 0 ]; then printf '%s\\n' "$out" >&2; echo "${TOOL_EXIT_MARKER}$rc" >&2; exit ${VALIDATION_FAILED}; fi`);
  }
  // Mark the units first: if we die after the rename, the next run still reloads them.
  if (req.pending?.length) {
    lines.push(`mkdir -p ${PENDING_DIR}`, ...req.pending.map((p) => `touch ${q(posix.join(PENDING_DIR, p))}`));
  }
  lines.push(
    `if [ -e ${q(req.path)} ]; then cp -p ${q(req.path)} ${q(req.path + BACKUP_SUFFIX)}; fi`,
    'sync "$tmp" 2>/dev/null || true',
    `mv -f "$tmp" ${q(req.path)}`,
    'trap - EXIT',
  );
  return lines;
}

/** The script that replaces a file atomically; content arrives on stdin. Exported for tests. */
export function atomicWriteScript(req: WriteFileRequest, nonce = randomBytes(4).toString('hex')): string {
  return ['set -e', 'umask 077', ...fileSection(req, nonce, 'cat > "$tmp"')].join('\n');
}

const DONE_MARKER = 'kubeha-file-done=';

/**
 * Several files in ONE script (one SSH round trip), each replaced atomically exactly as {@link atomicWriteScript}
 * does, in order; contents travel base64-encoded in here-documents. Stops at the first file that fails; prints a done
 * marker after each file that went live.
 */
export function atomicWriteBatchScript(reqs: WriteFileRequest[], nonce = randomBytes(4).toString('hex')): string {
  const lines = ['set -e', 'umask 077'];
  reqs.forEach((req, i) => {
    const b64 = Buffer.from(req.content, 'utf8').toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '');
    lines.push(`# ${i}: ${req.path}`, ...fileSection(req, `${nonce}${i}`, `base64 -d > "$tmp" <<'KUBEHA_B64_EOF'\n${b64}\nKUBEHA_B64_EOF`), `echo ${DONE_MARKER}${i}`);
  });
  return lines.join('\n');
}

function writeLabel(req: WriteFileRequest): string {
  return `install -m ${req.mode.toString(8).padStart(4, '0')} -o ${req.owner ?? 'root'} <content> ${q(req.path)}${req.validate ? ` (after \`${validatorCommand(req.validate).replace('"$tmp"', `${posix.dirname(req.path)}/${TEMP_PREFIX}…`)}\`)` : ''}`;
}

function writeError(host: string, req: WriteFileRequest, r: ExecResult): RemoteCommandError {
  if (r.exitCode === VALIDATION_FAILED) {
    const m = new RegExp(`^${TOOL_EXIT_MARKER}(\\d+)$`, 'm').exec(r.stderr);
    const output = r.stderr.replace(new RegExp(`^${TOOL_EXIT_MARKER}\\d+\\n?`, 'm'), '');
    const command = validatorCommand(req.validate ?? 'haproxy').replace('"$tmp"', `${posix.dirname(req.path)}/${TEMP_PREFIX}${posix.basename(req.path)}-…`);
    return new ValidationError(host, command, m ? Number(m[1]) : VALIDATION_FAILED, tail(output, 30), req.path);
  }
  return new RemoteCommandError(host, writeLabel(req), r.exitCode, tail(r.stderr || r.stdout), r.signal, false);
}

/**
 * Uploads, validates, backs up and renames into place. Throws {@link ValidationError} (live file untouched) with the
 * tool's message, or {@link RemoteCommandError} for anything else (disk full, no permission…).
 */
export async function writeRemoteFileAtomic(host: RemoteHost, req: WriteFileRequest): Promise<void> {
  const r = await host.exec(atomicWriteScript(req), { stdin: req.content, label: writeLabel(req) });
  if (r.exitCode !== 0) throw writeError(host.name, req, r);
}

/**
 * Writes several files in one round trip, in order, each atomically. Returns how many went live and, if one failed,
 * its error (the files after it were not touched).
 */
export async function writeRemoteFilesAtomic(host: RemoteHost, reqs: WriteFileRequest[]): Promise<{ completed: number; error?: RemoteCommandError }> {
  if (reqs.length === 0) return { completed: 0 };
  const r = await host.exec(atomicWriteBatchScript(reqs), { label: reqs.map(writeLabel).join('; ') });
  const completed = r.stdout.split('\n').filter((l) => l.startsWith(DONE_MARKER)).length;
  if (r.exitCode === 0 && completed === reqs.length) return { completed };
  const failed = reqs[Math.min(completed, reqs.length - 1)]!;
  return { completed, error: writeError(host.name, failed, r) };
}

/** Removes `.kubeha-tmp-*` leftovers of an interrupted run in the given directories. */
export async function cleanTempFiles(host: RemoteHost, dirs: string[]): Promise<string[]> {
  if (dirs.length === 0) return [];
  const out = await host.run(
    `for d in ${dirs.map(q).join(' ')}; do [ -d "$d" ] || continue; for f in "$d"/${TEMP_PREFIX}*; do [ -e "$f" ] || continue; rm -f "$f" && echo "$f"; done; done`,
    { label: `rm -f ${dirs.map((d) => posix.join(d, TEMP_PREFIX + '*')).join(' ')}` },
  );
  return out.split('\n').filter(Boolean);
}

/** Clears a pending-reload marker once the unit was reloaded/restarted. */
export async function clearPending(host: RemoteHost, markers: string[]): Promise<void> {
  if (markers.length === 0) return;
  await host.run(`rm -f ${markers.map((m) => q(posix.join(PENDING_DIR, m))).join(' ')}`);
}
