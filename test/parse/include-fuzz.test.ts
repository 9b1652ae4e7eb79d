import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { memoryFileSource, type FileSource } from '../../src/parse/file-source.js';
import { parseKeepalived } from '../../src/parse/keepalived/index.js';
import { expandGlob, globBudget, matchSegment, MAX_GLOB_PATHS } from '../../src/parse/keepalived/glob.js';
import { INCLUDE_LIMITS } from '../../src/parse/keepalived/reader.js';

/**
 * The include machinery under random trees: files in a few directories that include each other through names,
 * relative paths, globs and braces, with cycles, self-includes and fan-out. Whatever the tree, parsing terminates,
 * never throws, reads no more files than the bounds allow, and every diagnostic has a position. The linear glob
 * matcher agrees with a plain backtracking regex on small inputs (where backtracking is harmless).
 */

const DIRS = ['/etc/keepalived', '/etc/keepalived/conf.d', '/etc/keepalived/conf.d/sub'];
const NAMES = ['a.conf', 'b.conf', 'c.conf', 'ab.conf', 'x', 'keepalived.conf'];

const includeArg = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom('*', '*.conf', '?.conf', '[ab].conf', '[!a]*', '{a,b}.conf', '{a,{b,c}}.conf', '../*', '../../*.conf', 'conf.d/*', 'conf.d/*/*', 'sub/{a,b,c}*', '/etc/keepalived/*.conf', '*{a,b,c,d}*{a,b,c,d}*'),
  fc.array(fc.constantFrom('*', '?', 'a', 'b', '.conf', '/', '..', '{', '}', ',', '[', ']', '!'), { minLength: 1, maxLength: 12 }).map((xs) => xs.join('')),
);

const line = fc.oneof(
  { weight: 4, arbitrary: includeArg.map((a) => `include ${a}`) },
  { weight: 1, arbitrary: fc.constantFrom('$X=${X}${X}', '$Y=1', 'vrrp_script s { script "${X} $Y" }', 'global_defs {', '}', '# comment', '@lb include *') },
);

const tree = fc.array(fc.tuple(fc.constantFrom(...DIRS), fc.constantFrom(...NAMES), fc.array(line, { maxLength: 6 })), { minLength: 1, maxLength: 24 });

/** A FileSource that counts what the parser reads. */
function counting(fs: FileSource): FileSource & { reads: number; lists: number } {
  const c = {
    reads: 0,
    lists: 0,
    readFile(p: string) {
      c.reads++;
      return fs.readFile(p);
    },
    listDir(p: string) {
      c.lists++;
      return fs.listDir(p);
    },
  };
  return c;
}

describe('include machinery under random trees', () => {
  test('terminates within the bounds and never throws', () => {
    fc.assert(
      fc.property(tree, (entries) => {
        const files: Record<string, string> = { '/etc/keepalived/keepalived.conf': 'include conf.d/*.conf\ninclude *.conf\n' };
        for (const [dir, name, lines] of entries) files[`${dir}/${name}`] = lines.join('\n') + '\n';
        const fs = counting(memoryFileSource(files));
        const r = parseKeepalived(fs, '/etc/keepalived/keepalived.conf', { configId: 'lb' });
        // Every included file is read at most twice (matched by the glob, then read), plus the main file.
        assert.ok(fs.reads <= 2 * (INCLUDE_LIMITS.files + MAX_GLOB_PATHS) + 1, `${fs.reads} reads`);
        for (const d of r.diagnostics) {
          assert.ok(d.line === undefined || d.line >= 1, d.code);
          assert.ok(d.message.length > 0, d.code);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a tree in which every file includes every file twice stops at the file bound', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`/k/f${i}.conf`] = 'include /k/*.conf\ninclude /k/*.conf\n';
    const fs = counting(memoryFileSource(files));
    const r = parseKeepalived(fs, '/k/f0.conf');
    assert.ok(r.diagnostics.some((d) => d.code === 'KA_INCLUDE_LIMIT' || d.code === 'KA_INCLUDE_CYCLE'), r.diagnostics.map((d) => d.code).join());
    assert.ok(fs.reads <= 2 * (INCLUDE_LIMITS.files + MAX_GLOB_PATHS) + 1, `${fs.reads} reads`);
  });

  test('brace alternatives are counted before they are built', () => {
    const fs = memoryFileSource({ '/a': '' });
    const r = expandGlob(fs, `/${'{a,b,c,d,e,f,g,h,i,j}'.repeat(12)}`, globBudget());
    assert.deepEqual(r, { tooMany: 'patterns', limit: globBudget().patterns });
    const ok = expandGlob(fs, '/{a,b}', globBudget());
    assert.deepEqual(ok, { files: ['/a'] });
  });
});

/** The backtracking translation of a one-segment glob, as a reference on small inputs. */
function reference(pattern: string, name: string): boolean | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      const negate = pattern[j] === '!' || pattern[j] === '^';
      if (negate) j++;
      const end = pattern.indexOf(']', j + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(j, end).replace(/[\\\]^]/g, '\\$&');
        re += `[${negate ? '^' : ''}${body}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += (pattern[i + 1] as string).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      i++;
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  let rx: RegExp;
  try {
    rx = new RegExp(`^${re}$`, 's');
  } catch {
    return undefined; // a class with a reversed range: no reference to compare with
  }
  return rx.test(name);
}

describe('linear glob matcher', () => {
  test('agrees with a backtracking regex on small patterns and names', () => {
    const pat = fc.array(fc.constantFrom('*', '?', 'a', 'b', '[ab]', '[!a]', '[a-c]', '[', ']', '-', '.'), { maxLength: 8 }).map((x) => x.join(''));
    const name = fc.array(fc.constantFrom('a', 'b', 'c', '.', '-', '[', ']'), { maxLength: 10 }).map((x) => x.join(''));
    fc.assert(
      fc.property(pat, name, (p, n) => {
        const want = reference(p, n);
        fc.pre(want !== undefined);
        assert.equal(matchSegment(p, n), want, `${JSON.stringify(p)} vs ${JSON.stringify(n)}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('stars that make a regex backtrack for minutes are matched at once', () => {
    assert.equal(matchSegment(`${'*a'.repeat(40)}*b`, 'a'.repeat(5000)), false);
    assert.equal(matchSegment(`${'*a'.repeat(40)}*b`, `${'a'.repeat(5000)}b`), true);
  });
});
