import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../diag/errors.js';

/**
 * One `kubeha apply` per cluster state directory at a time: `<stateDir>/apply.lock` holds the PID of the run.
 * A lock left by a run that died (SIGKILL) is taken over: its PID is gone, or is no longer a kubeha process.
 */
export interface ApplyLock {
  release(): void;
}

function holder(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kubeha') || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('entry.ts');
  } catch {
    return true;
  }
}

export function acquireApplyLock(stateDir: string, pid = process.pid): ApplyLock {
  const file = join(stateDir, 'apply.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          try {
            if (readFileSync(file, 'utf8').trim() === String(pid)) unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new EnvironmentError(`cannot create ${file}: ${(err as Error).message}`);
      const other = Number(readFileSync(file, 'utf8').trim());
      if (other && other !== pid && holder(other)) {
        throw new EnvironmentError(`another kubeha apply (pid ${other}) is running for this cluster (${file})`, 'wait for it to finish; if it is stuck, stop it by its PID');
      }
      // Stale: the run that held it died.
      unlinkSync(file);
    }
  }
  throw new EnvironmentError(`cannot take the apply lock ${file}`);
}
