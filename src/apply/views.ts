import type { ApplyEvent, EventSink, HostSummary } from './events.js';
import { PHASE_NAMES } from './phases/index.js';
import type { Phase, Plan } from './types.js';

/**
 * Three views of the same event stream: a live per-host, per-phase board for terminals, plain lines for logs and CI,
 * and NDJSON for machines. Each is an {@link EventSink} writing to a stream; none of them changes what the engine does.
 */

type Out = { write(s: string): unknown };

/** One JSON object per line, exactly the events. */
export function jsonView(out: Out): EventSink {
  return (e) => out.write(JSON.stringify(e) + '\n');
}

/** Plain lines, one per step outcome (no cursor movement): for pipes, CI logs and `TERM=dumb`. */
export function plainView(out: Out): EventSink {
  return (e) => {
    switch (e.type) {
      case 'plan':
        out.write(`apply: ${e.hosts.length} host(s), ${e.hosts.reduce((n, h) => n + h.changes, 0)} change(s), phases ${e.phases.join(' → ')}, parallel ${e.parallel}\n`);
        break;
      case 'step-done':
        out.write(`${e.host}  ${e.phase.padEnd(9)} ${e.changed ? 'changed' : 'ok     '}  ${e.title}${e.detail ? ` (${e.detail})` : ''}  ${fmtMs(e.ms)}\n`);
        break;
      case 'step-failed':
        out.write(`${e.host}  ${e.phase.padEnd(9)} FAILED   ${e.title}\n${indent(e.error)}\n`);
        break;
      case 'done':
        out.write(summaryTable(e.hosts, e.ms));
        break;
      default:
        break;
    }
  };
}

/** A board redrawn in place: one line per host, a mark per phase, the step under way. */
export function ttyView(out: Out & { columns?: number }): EventSink {
  const hosts: string[] = [];
  const state = new Map<string, { phases: Map<Phase, 'run' | 'ok' | 'fail'>; current: string; status?: string }>();
  let planned: Phase[] = [...PHASE_NAMES];
  let drawn = 0;
  let frame = 0;
  const failures: string[] = [];
  const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const draw = (): void => {
    frame++;
    const width = Math.max(40, (out.columns ?? 100) - 1);
    const nameW = Math.max(4, ...hosts.map((h) => h.length));
    const lines = hosts.map((h) => {
      const s = state.get(h)!;
      const marks = planned
        .map((p) => {
          const st = s.phases.get(p);
          const mark = st === 'ok' ? '\x1b[32m✓\x1b[0m' : st === 'fail' ? '\x1b[31m✗\x1b[0m' : st === 'run' ? `\x1b[36m${spinner[frame % spinner.length]!}\x1b[0m` : '\x1b[2m·\x1b[0m';
          return `${mark} ${p}`;
        })
        .join('  ');
      const tailText = s.status ?? s.current;
      return `${h.padEnd(nameW)}  ${marks}  ${tailText}`.slice(0, width + 40);
    });
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    text += lines.map((l) => `\x1b[2K${l}\n`).join('');
    drawn = lines.length;
    out.write(text);
  };
  // Keep the spinner turning during long steps (a package install takes tens of seconds).
  let ticker: ReturnType<typeof setInterval> | undefined;
  return (e) => {
    switch (e.type) {
      case 'plan':
        ticker = setInterval(draw, 150);
        ticker.unref();
        planned = e.phases.length ? e.phases : planned;
        for (const h of e.hosts) {
          hosts.push(h.host);
          state.set(h.host, { phases: new Map(), current: h.changes ? `${h.changes} change(s) planned` : 'no change planned' });
        }
        out.write(`apply: ${e.hosts.length} host(s), parallel ${e.parallel}\n`);
        break;
      case 'phase-start':
        state.get(e.host)?.phases.set(e.phase, 'run');
        break;
      case 'phase-done':
        state.get(e.host)?.phases.set(e.phase, 'ok');
        break;
      case 'step-start': {
        const s = state.get(e.host);
        if (s) s.current = e.title;
        break;
      }
      case 'step-failed': {
        const s = state.get(e.host);
        if (s) {
          s.phases.set(e.phase, 'fail');
          s.status = `\x1b[31mFAILED\x1b[0m ${e.title}`;
        }
        failures.push(`${e.host}: ${e.phase}: ${e.title}\n${indent(e.error)}`);
        break;
      }
      case 'host-done': {
        const s = state.get(e.host);
        if (s && e.status !== 'failed') s.status = e.changes ? `\x1b[32mdone\x1b[0m, ${e.changes} change(s)` : 'unchanged';
        break;
      }
      default:
        break;
    }
    if (e.type === 'done') {
      if (ticker) clearInterval(ticker);
      draw();
      if (failures.length) out.write('\n' + failures.join('\n') + '\n');
      out.write(summaryTable(e.hosts, e.ms));
      return;
    }
    if (hosts.length) draw();
  };
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** The final table: host, result, changes, time, where it failed. */
export function summaryTable(hosts: HostSummary[], ms: number): string {
  const rows = [['HOST', 'RESULT', 'CHANGES', 'TIME', 'FAILED AT'], ...hosts.map((h) => [h.host, h.status, String(h.changes), fmtMs(h.ms), h.failedAt ?? ''])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const text = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  const failed = hosts.filter((h) => h.status === 'failed').length;
  const changes = hosts.reduce((n, h) => n + h.changes, 0);
  return `\n${text}\n\n${failed ? `${failed} of ${hosts.length} host(s) FAILED` : 'all hosts converged'}; ${changes} change(s) in ${fmtMs(ms)}\n`;
}

/** `kubeha plan` as text: per host, per phase, each step with its reason and the diffs. */
export function renderPlanText(plan: Plan, options: { color?: boolean } = {}): string {
  const c = (code: string, s: string): string => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const h of plan.hosts) {
    const blocked = h.steps.some((s) => s.kind === 'fail');
    out.push(c('1', `${h.host} (${h.address}): ${blocked ? c('31', 'BLOCKED by a preflight check') + (h.changes ? `, ${h.changes} change(s) pending` : '') : h.changes ? `${h.changes} change(s)` : 'no change'}`));
    for (const phase of plan.phases) {
      const steps = h.steps.filter((s) => s.phase === phase && s.kind !== 'verify');
      if (steps.length === 0) continue;
      out.push(`  ${phase}`);
      for (const s of steps) {
        const mark = s.kind === 'fail' ? c('31', '✗') : c('33', '~');
        out.push(`    ${mark} ${s.title}  ${c('2', `# ${s.reason}`)}`);
        if (s.kind === 'fail' && s.hint) out.push(`      = hint: ${s.hint}`);
        if (s.kind === 'write-file' && s.diff) {
          for (const line of s.diff.trimEnd().split('\n')) {
            const colored = line.startsWith('+') && !line.startsWith('+++') ? c('32', line) : line.startsWith('-') && !line.startsWith('---') ? c('31', line) : line.startsWith('@@') ? c('36', line) : line;
            out.push(`      ${colored}`);
          }
        }
      }
    }
  }
  out.push('', `${plan.changes} change(s) on ${plan.hosts.filter((h) => h.changes > 0).length} of ${plan.hosts.length} host(s)`);
  return out.join('\n') + '\n';
}

/** `kubeha plan --output json`: the plan without file contents (secrets never leave kubeha). */
export function planToJson(plan: Plan): unknown {
  return {
    changes: plan.changes,
    hosts: plan.hosts.map((h) => ({
      host: h.host,
      address: h.address,
      changes: h.changes,
      steps: h.steps.map((s) => {
        if (s.kind === 'verify') {
          const { observed: _observed, ...rest } = s;
          return rest;
        }
        if (s.kind !== 'write-file') return s;
        const { content: _content, ...rest } = s;
        return rest;
      }),
    })),
  };
}

export type { ApplyEvent };
