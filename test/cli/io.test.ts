import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InputError } from '../../src/diag/errors.js';
import { firstInvalidUtf8, loadSpecFile, readTextFile, writeOutputFile } from '../../src/cli/io.js';
import { exampleSpec } from '../../src/cluster-spec/examples.js';
import { kubehaAsNobody, whyNotAsNobody } from '../helpers/as-nobody.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeha-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<{ code: string; line?: number; col?: number; file?: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    const d = err.diagnostics[0];
    assert.ok(d);
    assert.ok(d.hint, 'hint');
    return { code: d.code, ...(d.line !== undefined ? { line: d.line } : {}), ...(d.col !== undefined ? { col: d.col } : {}), ...(d.file ? { file: d.file } : {}) };
  }
  assert.fail('expected an InputError');
}

describe('readTextFile', () => {
  it('reads UTF-8 and drops a BOM', async () => {
    const p = join(dir, 'bom.yaml');
    await writeFile(p, '\uFEFFa: é\n');
    assert.equal(await readTextFile(p), 'a: é\n');
  });

  it('missing file, at path:1:1', async () => {
    const p = join(dir, 'nope.yaml');
    assert.deepEqual(await codeOf(readTextFile(p)), { code: 'KUBEHA_FILE_NOT_FOUND', line: 1, col: 1, file: p });
  });

  it('a path through a regular file is "not found"', async () => {
    const f = join(dir, 'plain');
    await writeFile(f, 'x');
    assert.equal((await codeOf(readTextFile(join(f, 'x.yaml')))).code, 'KUBEHA_FILE_NOT_FOUND');
  });

  it('a directory', async () => {
    const d = join(dir, 'sub');
    await mkdir(d);
    assert.equal((await codeOf(readTextFile(d))).code, 'KUBEHA_FILE_IS_DIRECTORY');
  });

  it('unreadable: permission denied (as root, the CLI runs as nobody through setpriv)', async (t) => {
    const p = join(dir, 'secret.yaml');
    await writeFile(p, 'a: 1\n');
    await chmod(p, 0);
    if (process.getuid?.() !== 0) {
      assert.equal((await codeOf(readTextFile(p))).code, 'KUBEHA_FILE_UNREADABLE');
      return;
    }
    // Root reads anything: drop to nobody for the one process that must be refused.
    const why = whyNotAsNobody();
    if (why) {
      t.skip(why);
      return;
    }
    await chmod(dir, 0o755);
    const dist = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
    if (!existsSync(dist)) {
      t.skip('needs npm run build (dist/) for an unprivileged process');
      return;
    }
    const r = kubehaAsNobody(['check', p]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: error\\[KUBEHA_FILE_UNREADABLE\\]: permission denied`));
  });

  it('empty and blank files', async () => {
    const e = join(dir, 'empty.yaml');
    await writeFile(e, '');
    assert.equal((await codeOf(readTextFile(e))).code, 'KUBEHA_FILE_EMPTY');
    const b = join(dir, 'blank.yaml');
    await writeFile(b, '\n \t\n');
    assert.equal((await codeOf(readTextFile(b))).code, 'KUBEHA_FILE_EMPTY');
  });

  it('binary: the line and column of the NUL byte', async () => {
    const p = join(dir, 'bin');
    await writeFile(p, Buffer.from('a: 1\nbb\0c\n'));
    assert.deepEqual(await codeOf(readTextFile(p)), { code: 'KUBEHA_FILE_BINARY', line: 2, col: 3, file: p });
  });

  it('not UTF-8: the line and column of the bad byte', async () => {
    const p = join(dir, 'latin1.yaml');
    await writeFile(p, Buffer.from('name: caf\xe9\n', 'latin1'));
    assert.deepEqual(await codeOf(readTextFile(p)), { code: 'KUBEHA_FILE_NOT_UTF8', line: 1, col: 10, file: p });
  });
});

describe('firstInvalidUtf8', () => {
  it('finds overlongs, surrogates, truncations, stray continuations', () => {
    assert.equal(firstInvalidUtf8(Buffer.from('héllo ✓ 😀', 'utf8')), -1);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0x80])), 1);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80])), 0);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xe2, 0x82])), 2);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0x80])), 0);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])), 0);
  });
});

describe('loadSpecFile', () => {
  function sink(): { stream: Writable; text: () => string } {
    let buf = '';
    return {
      stream: new Writable({
        write(chunk: Buffer, _enc, cb) {
          buf += chunk.toString();
          cb();
        },
      }),
      text: () => buf,
    };
  }

  it('returns the spec of a valid file, printing nothing', async () => {
    const p = join(dir, 'cluster.yaml');
    await writeFile(p, exampleSpec('dedicated-lb'));
    const s = sink();
    const spec = await loadSpecFile(p, s.stream);
    assert.equal(spec.hosts.length, 8);
    assert.equal(s.text(), '');
  });

  it('prints warnings and still returns the spec', async () => {
    const p = join(dir, 'one-lb.yaml');
    await writeFile(p, exampleSpec('dedicated-lb').replace(/ {2}- name: lb1[^\n]*\n[^\n]*\n[^\n]*\n/, ''));
    const s = sink();
    const spec = await loadSpecFile(p, s.stream);
    assert.equal(spec.hosts.length, 7);
    assert.match(s.text(), /^.*one-lb\.yaml:\d+:\d+: warning\[SPEC_SINGLE_LB_HOST\]/);
  });

  it('throws InputError with every diagnostic on an error', async () => {
    const p = join(dir, 'dup.yaml');
    await writeFile(p, exampleSpec('dedicated-lb').replace('name: lb1', 'name: lb0'));
    const d = await codeOf(loadSpecFile(p));
    assert.equal(d.code, 'SPEC_DUPLICATE_HOST_NAME');
    assert.equal(d.file, p);
  });
});

describe('writeOutputFile (-o of init, import, export)', () => {
  it('writes, refuses to overwrite unless asked, and turns every failure into a diagnostic at path:1:1', async () => {
    const p = join(dir, 'out.yaml');
    await writeOutputFile(p, 'a: 1\n', { overwrite: false });
    assert.deepEqual(await codeOf(writeOutputFile(p, 'b', { overwrite: false })), { code: 'KUBEHA_FILE_EXISTS', line: 1, col: 1, file: p });
    await writeOutputFile(p, 'b: 2\n', { overwrite: true });
    assert.equal((await readTextFile(p)).trim(), 'b: 2');
    for (const bad of [join(dir, 'no', 'such', 'dir', 'x.yaml'), dir, join(p, 'x.yaml')]) {
      const d = await codeOf(writeOutputFile(bad, 'x', { overwrite: true }));
      assert.equal(d.code, 'KUBEHA_FILE_UNWRITABLE', bad);
      assert.equal(d.file, bad);
    }
  });

  it('mode: a new file is created with it, an existing wider one is narrowed before the content is written', async () => {
    const p = join(dir, 'secret.conf');
    await writeOutputFile(p, 'key\n', { overwrite: false, mode: 0o600 });
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    await chmod(p, 0o644);
    await writeOutputFile(p, 'other\n', { overwrite: true, mode: 0o600 });
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    assert.equal(await readTextFile(p), 'other\n');
  });

  it('refuses a symbolic link, a FIFO and a device as the output, naming it, and writes nothing through them', async () => {
    const sub = await mkdtemp(join(dir, 'links-'));
    const victim = join(sub, 'victim.txt');
    await writeFile(victim, 'precious\n');
    const link = join(sub, 'out.yaml');
    symlinkSync(victim, link);
    const dangling = join(sub, 'dangling.yaml');
    symlinkSync(join(sub, 'would-be-created'), dangling);
    const fifo = join(sub, 'out.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    for (const bad of [link, dangling, fifo, '/dev/null']) {
      for (const overwrite of [true, false]) {
        const d = await codeOf(writeOutputFile(bad, 'x: 1\n', { overwrite, mode: 0o600 }));
        assert.deepEqual(d, { code: 'KUBEHA_FILE_NOT_REGULAR', line: 1, col: 1, file: bad }, bad);
      }
    }
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(existsSync(join(sub, 'would-be-created')), false);
    assert.deepEqual(readdirSync(sub).sort(), ['dangling.yaml', 'out.fifo', 'out.yaml', 'victim.txt'], 'no temporary file left');
  });

  it('writes atomically: a temporary sibling renamed into place, none left behind; an existing file keeps its mode', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const p = join(sub, 'spec.yaml');
    await writeOutputFile(p, 'a: 1\n', { overwrite: false });
    const first = await stat(p);
    await chmod(p, 0o640);
    await writeOutputFile(p, 'a: 2\n', { overwrite: true });
    const second = await stat(p);
    assert.notEqual(second.ino, first.ino, 'a new file renamed over the name');
    assert.equal(second.mode & 0o777, 0o640);
    assert.equal(readFileSync(p, 'utf8'), 'a: 2\n');
    assert.deepEqual(readdirSync(sub), ['spec.yaml']);
    // A failed write (the file exists, no overwrite) leaves the old content and no temporary file.
    await codeOf(writeOutputFile(p, 'a: 3\n', { overwrite: false }));
    assert.equal(readFileSync(p, 'utf8'), 'a: 2\n');
    assert.deepEqual(readdirSync(sub), ['spec.yaml']);
  });
});
