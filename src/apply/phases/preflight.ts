import type { Step } from '../types.js';
import { kubeadmPrerequisites } from './kubeadm.js';
import { failStep, type PhaseDefinition } from './phase.js';

/** Checks that stop a host before anything changes, and the cleanup of an interrupted run. */
export const preflightPhase: PhaseDefinition = {
  name: 'preflight',
  plan({ want, seen }) {
    const steps: Step[] = [];
    if (want.packages.length > 0 && seen.packageManager !== 'apt' && seen.packageManager !== 'dnf') {
      steps.push(failStep('package-manager', `no supported package manager on ${seen.os || 'this host'}`, 'kubeha installs with apt (Debian, Ubuntu); dnf (RHEL family) is untested'));
    }
    steps.push(...kubeadmPrerequisites(want, seen));
    if (seen.tempFiles.length > 0) {
      steps.push({
        id: 'preflight:clean-temp',
        phase: 'preflight',
        kind: 'clean-temp',
        files: [...seen.tempFiles].sort(),
        title: `remove ${seen.tempFiles.length} leftover temporary file(s)`,
        reason: 'an earlier apply was interrupted while writing files',
      });
    }
    return steps;
  },
};
