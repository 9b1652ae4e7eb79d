import type { Problem } from './problem.js';
import { maskExcerpt } from './secrets.js';

/**
 * The one place problems become text:
 *   file:line:col: error[CODE]: message
 *      |
 *   12 |   priority: abc
 *      |             ^^^
 *      = hint: ...
 */
export function renderDiagnostic(d: Problem): string {
  const where = [d.file ?? '<input>', d.line, d.line !== undefined ? d.col ?? 1 : undefined]
    .filter((p) => p !== undefined)
    .join(':');
  const head = `${where}: ${d.severity}[${d.code}]: ${oneLine(d.message)}`;
  const out = [head];
  if (d.excerpt !== undefined && d.line !== undefined) {
    // Masked here too: an excerpt made anywhere never reaches the terminal with a secret in it.
    const excerpt = maskExcerpt(d.excerpt);
    const num = String(d.line);
    const pad = ' '.repeat(num.length);
    const col = Math.max(1, d.col ?? 1);
    const caretLen = Math.max(1, Math.min(d.length ?? 1, Math.max(1, excerpt.length - col + 1)));
    out.push(`${pad} |`);
    out.push(`${num} | ${visible(excerpt)}`);
    out.push(`${pad} | ${' '.repeat(col - 1)}${'^'.repeat(caretLen)}`);
  }
  if (d.hint) out.push(`  = hint: ${oneLine(d.hint)}`);
  return out.join('\n');
}

export function renderDiagnostics(ds: readonly Problem[]): string {
  return ds.map(renderDiagnostic).join('\n');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Tabs shown as one space so the caret stays aligned with the reported column. */
function visible(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
  return s.replace(/\t/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
}
