import { readFile, readdir, readlink } from 'node:fs/promises';

/**
 * Who listens on a TCP port in this network namespace: /proc/net/tcp and tcp6 give the listening socket's inode,
 * /proc/<pid>/fd the process holding it. Another user's processes are not readable without root: then only the
 * port is known.
 */

/** Inodes of the sockets in state LISTEN (0A) on `port`, from the text of /proc/net/tcp or tcp6. Pure. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (f.length < 10 || f[3] !== '0A') continue;
    if (f[1]?.split(':')[1] === hex && f[9] && f[9] !== '0') out.push(f[9]);
  }
  return out;
}

export interface PortOwner {
  pid: number;
  /** /proc/<pid>/cmdline, NULs as spaces, cut at 120 characters. */
  command: string;
}

export async function portOwner(port: number): Promise<PortOwner | undefined> {
  const inodes = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const i of listeningInodes(text, port)) inodes.add(i);
  }
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?');
        const command = (cmd.replace(/\0+$/, '').replace(/\0/g, ' ') || comm.trim()).slice(0, 120);
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}
