import type { FileSource } from '../file-source.js';

/**
 * Expands a shell-style glob (`*`, `?`, `[…]`, csh braces `{a,b}`) against a FileSource, segment by segment
 * through listDir, as keepalived's `include` does with glob(3). Returns matching files, sorted; a pattern without
 * wildcards returns itself when the file is readable.
 */
export function expandGlob(fs: FileSource, pattern: string): string[] {
  const out = new Set<string>();
  for (const p of expandBraces(pattern)) {
    for (const f of expandOne(fs, p)) out.add(f);
  }
  return [...out].sort();
}

function expandBraces(p: string, depth = 0): string[] {
  const open = p.indexOf('{');
  if (open < 0 || depth > 8) return [p];
  let level = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < p.length; i++) {
    if (p[i] === '{') level++;
    else if (p[i] === '}') {
      level--;
      if (level === 0) {
        close = i;
        break;
      }
    } else if (p[i] === ',' && level === 1) commas.push(i);
  }
  if (close < 0) return [p];
  const parts: string[] = [];
  let last = open + 1;
  for (const c of [...commas, close]) {
    parts.push(p.slice(last, c));
    last = c + 1;
  }
  const head = p.slice(0, open);
  const tail = p.slice(close + 1);
  return parts.flatMap((part) => expandBraces(head + part + tail, depth + 1));
}

function hasMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return /^(?!)$/;
  }
}

function expandOne(fs: FileSource, pattern: string): string[] {
  const segs = pattern.split('/').filter((s) => s !== '');
  let bases = ['/'];
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k] as string;
    const next: string[] = [];
    for (const base of bases) {
      const join = (name: string): string => (base === '/' ? `/${name}` : `${base}/${name}`);
      if (!hasMagic(seg)) {
        next.push(join(seg));
        continue;
      }
      const re = segmentRegex(seg);
      // Like glob(3): wildcards do not match names starting with a dot.
      for (const name of fs.listDir(base) ?? []) if (!name.startsWith('.') && re.test(name)) next.push(join(name));
    }
    bases = next;
  }
  return bases.filter((f) => fs.readFile(f) !== undefined);
}
