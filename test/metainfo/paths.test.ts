import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep, isAbsolute } from 'node:path';
import fc from 'fast-check';
import {
  isSafeComponent, resolveInside, sanitizePath, sanitizePathComponent, sanitizeTorrentName, uniquePaths,
} from '../../src/metainfo/index.js';
import { conformancePath, hasConformance } from './fixtures.js';

const posix = { windows: false } as const;
const s = (c: string): string => sanitizePathComponent(c, posix);

test('components: separators dropped, dot names and empty become _', () => {
  assert.equal(s('/a/'), 'a');
  assert.equal(s('abc/../def'), 'abc..def');
  assert.equal(s('\\c'), 'c');
  assert.equal(s('..'), '_');
  assert.equal(s('.'), '_');
  assert.equal(s(''), '_');
  assert.equal(s('//\\'), '_');
  assert.equal(s('/..'), '_');
  assert.equal(s('a...b'), 'a...b');
  assert.equal(s('...'), '...');
  assert.equal(s('.hidden'), '.hidden');
});

test('components: NUL and control characters replaced, format characters dropped', () => {
  assert.equal(s('a\0b'), 'a_b');
  assert.equal(s('\0'), '_');
  assert.equal(s('\x08filename'), '_filename');
  assert.equal(s('foo\x7fbar'), 'foo_bar');
  assert.equal(s('foo\u0085bar'), 'foo_bar');
  assert.equal(s('foo\u202ebar'), 'foobar'); // right-to-left override
  assert.equal(s('foo\u200bbar\ufeff'), 'foobar');
  assert.equal(s('\u200b'), '_');
  assert.equal(s('na\u00efve \u65e5\u672c\u{1f600}'), 'na\u00efve \u65e5\u672c\u{1f600}');
});

test('components: invalid UTF-8 becomes one _ per run', () => {
  const dec = (hex: string): string => new TextDecoder().decode(Buffer.from(hex, 'hex'));
  assert.equal(s(dec('66696c65c2')), 'file_');
  assert.equal(s(dec('66f89f9f9f9f78')), 'f_x');
  assert.equal(s(dec('61c0ae')), 'a_');
  assert.equal(s('a\ud800b'), 'a_b'); // lone surrogate from a JS string
});

test('components: drive letters lose their colon on every platform', () => {
  assert.equal(s('C:'), 'C_');
  assert.equal(s('c:\\windows'), 'c_windows');
  assert.equal(s('dev:'), 'dev:');
  assert.equal(s('1:'), '1:');
});

test('components: Windows rules when asked', () => {
  const w = (c: string): string => sanitizePathComponent(c, { windows: true });
  assert.equal(w('a<b>c:d"e|f?g*h'), 'a_b_c_d_e_f_g_h');
  assert.equal(w('abc. . .'), 'abc');
  assert.equal(w('abc   '), 'abc');
  assert.equal(w('CON'), '_CON');
  assert.equal(w('nul.txt'), '_nul.txt');
  assert.equal(w('lpt1'), '_lpt1');
  assert.equal(w('console'), 'console');
  assert.equal(w('. .'), '_');
  assert.equal(isSafeComponent('a:b', { windows: true }), false);
  assert.equal(isSafeComponent('a:b', { windows: false }), true);
});

test('components: overlong names are cut at a character boundary, keeping a short extension', () => {
  const x = 'abcdefghi_'.repeat(24); // 240 bytes
  assert.equal(s(x + 'abcdefghi_'), x);
  assert.equal(s(x + 'abcde.test'), x + '.test');
  assert.equal(s(x.slice(0, 239) + '\u2014abcde.jpg'), x.slice(0, 239) + '\u2014.jpg');
  assert.equal(s(x + '.averyveryverylongextension'), x); // extension too long to keep
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.uint8Array({ maxLength: 80 }).map((b) => new TextDecoder().decode(b))), (str) => {
      const out = s(str);
      assert.ok(Buffer.byteLength(out) <= 251, `${Buffer.byteLength(out)} bytes`);
      assert.ok(isSafeComponent(out, posix));
      assert.ok(!/[\x00-\x1f\x7f-\x9f\p{Cf}\ufffd]/u.test(out), JSON.stringify(out));
      assert.equal(s(out), out, 'sanitizing is idempotent');
    }),
    { numRuns: 500 },
  );
});

test('sanitizePath keeps one output component per input component', () => {
  assert.deepEqual(sanitizePath(['..', '..', 'etc', 'passwd'], posix), ['_', '_', 'etc', 'passwd']);
  assert.deepEqual(sanitizePath(['/etc', 'passwd'], posix), ['etc', 'passwd']);
  assert.deepEqual(sanitizePath(['C:', 'Windows', 'system32'], posix), ['C_', 'Windows', 'system32']);
  assert.deepEqual(sanitizePath(['', 'a', ''], posix), ['_', 'a', '_']);
  assert.deepEqual(sanitizePath(['a\0/../b'], posix), ['a_..b']);
});

test('torrent names: empty after filtering falls back to the given name', () => {
  assert.equal(sanitizeTorrentName('..', 'ab'.repeat(20), posix), 'ab'.repeat(20));
  assert.equal(sanitizeTorrentName('/test1/test2/test3', 'x', posix), 'test1test2test3');
  assert.equal(sanitizeTorrentName('test2/../test3/.././../../test4', 'x', posix), 'test2..test3.......test4');
  assert.equal(sanitizeTorrentName('foobar ', 'x', posix), 'foobar ');
});

test('resolveInside: sanitized hostile paths always land inside root', () => {
  const root = mkdtempSync(join(tmpdir(), 'shoal-paths-'));
  try {
    const hostile: string[][] = [
      ['..', '..', 'etc', 'passwd'],
      ['/etc/passwd'],
      ['/', 'etc', 'passwd'],
      ['C:', 'Windows'],
      ['C:\\Windows\\system32'],
      ['a\0b', '..'],
      ['', '', ''],
      ['.', '.'],
      ['..\\..\\x'],
      ['x'.repeat(1000)],
    ];
    for (const p of hostile) {
      const full = resolveInside(root, sanitizePath(p));
      const rel = relative(root, full);
      assert.ok(rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel), `${JSON.stringify(p)} -> ${full}`);
    }
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('..', '.', '', '/', '\\', 'C:', '\0')), { minLength: 1, maxLength: 6 }), (p) => {
        const full = resolveInside(root, sanitizePath(p));
        assert.ok(full.startsWith(root + sep));
      }),
      { numRuns: 1000 },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.equal(existsSync(root), false);
});

test('resolveInside refuses unsanitized components with EUNSAFE_PATH', () => {
  for (const p of [['..'], ['a', '..', '..', 'b'], ['/etc'], ['a/b'], ['a\\b'], [''], ['.'], [], ['a\0']]) {
    assert.throws(() => resolveInside('/tmp/root', p), (e: Error & { code?: string }) => e.code === 'EUNSAFE_PATH', JSON.stringify(p));
  }
  assert.equal(resolveInside('/tmp/root', ['a', 'b..c']), join('/tmp/root', 'a', 'b..c'));
  assert.equal(resolveInside('/tmp/root', ['..foo']), join('/tmp/root', '..foo'));
});

test('uniquePaths renames duplicates like libtorrent', () => {
  assert.deepEqual(uniquePaths([['t', 'foo', 'bar.txt'], ['t', 'foo', 'bar.txt'], ['t', 'foo', 'bar.txt']]), [
    ['t', 'foo', 'bar.txt'],
    ['t', 'foo', 'bar.1.txt'],
    ['t', 'foo', 'bar.2.txt'],
  ]);
  assert.deepEqual(uniquePaths([['t', '_'], ['t', '_']]), [['t', '_'], ['t', '_.1']]);
  // a file named like an earlier folder, and a folder named like an earlier file
  assert.deepEqual(uniquePaths([['t', 'a', 'x'], ['t', 'a']]), [['t', 'a', 'x'], ['t', 'a.1']]);
  assert.deepEqual(uniquePaths([['t', 'a'], ['t', 'a', 'x'], ['t', 'a', 'y']]), [['t', 'a'], ['t', 'a.1', 'x'], ['t', 'a.1', 'y']]);
  // skipped entries (pad files) take no part
  assert.deepEqual(uniquePaths([['t', '.pad', '5'], ['t', '.pad', '5']], [true, true]), [['t', '.pad', '5'], ['t', '.pad', '5']]);
  assert.throws(() => uniquePaths(Array.from({ length: 102 }, () => ['t', 'x'])), /too many files/);
  // property: the result never has two equal paths, nor a file that is another's folder
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom('a', 'b', 'a.1', 'c.txt'), { minLength: 1, maxLength: 3 }), { maxLength: 30 }), (paths) => {
      const out = uniquePaths(paths).map((p) => p.join('/'));
      assert.equal(new Set(out).size, out.length);
      for (const p of out) for (const q of out) assert.ok(!q.startsWith(p + '/'), `${p} is a file and a folder`);
    }),
    { numRuns: 500 },
  );
});

// ---- conformance: libtorrent's sanitize vectors (vectors.md section 5) ----

interface Vector {
  elements: string[];
  expected: string;
  row: string;
}

/** Reads `\xNN` and `\b` escapes as bytes (other backslashes are literal), then UTF-8. */
function unescape(t: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\' && t[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(t.slice(i + 2, i + 4))) {
      bytes.push(parseInt(t.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (t[i] === '\\' && t[i + 1] === 'b') {
      bytes.push(8);
      i += 1;
    } else bytes.push(...Buffer.from(t[i]!, 'utf8'));
  }
  return new TextDecoder().decode(Buffer.from(bytes));
}

function parseSection5(md: string): Vector[] {
  const sec = md.slice(md.indexOf('## 5.'), md.indexOf('Length truncation'));
  const out: Vector[] = [];
  for (const line of sec.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| elements') || line.startsWith('|---')) continue;
    const cells = line.split(' | ');
    const left = cells[0]!.slice(2);
    const right = cells[1]!.replace(/ \|$/, '');
    const fmt = /^`(\w+)` \+ ((?:U\+[0-9A-F]{4}(?: \/ )?)+) \+ `(\w+)`$/.exec(left);
    const alts: string[][] = fmt
      ? fmt[2]!.split(' / ').map((u) => [fmt[1]! + String.fromCodePoint(parseInt(u.slice(2), 16)) + fmt[3]!])
      : left.split(' / ').map((alt) => [...alt.matchAll(/`([^`]*)`|\(empty string\)/g)].map((m) => unescape(m[1] ?? '')));
    for (const elements of alts) {
      let expected: string;
      if (right.startsWith('unchanged')) expected = elements.join('/');
      else if (right.startsWith('(empty string')) expected = '';
      else expected = unescape(/`([^`]*)`/.exec(right)![1]!);
      out.push({ elements, expected, row: line });
    }
  }
  return out;
}

/**
 * Where shoal deliberately differs from libtorrent's non-force sanitize_append_path_element:
 * shoal never drops a component ('..', '.', fully filtered ones become '_', as libtorrent's own
 * force mode and its torrent loading do), so every file keeps its depth; and a drive-letter
 * prefix loses its colon on every platform, not only on Windows.
 */
function deliberate(v: Vector, got: string): string | undefined {
  const dropped = v.elements.some((e) => ['..', '.', '/..'].includes(e) || (e !== '' && s(e) === '_' && e.replace(/[/\\]/g, '') === ''));
  if (dropped && got.split('/').includes('_')) return 'shoal maps dropped components to _ (force mode)';
  if (v.elements.some((e) => /^[A-Za-z]:/.test(e))) return 'drive-letter colon replaced on every platform';
  return undefined;
}

test('conformance: libtorrent path sanitization vectors (vectors.md section 5)', (t) => {
  if (!hasConformance) return t.skip('../shared/conformance not found');
  const vectors = parseSection5(readFileSync(conformancePath('vectors.md'), 'utf8'));
  assert.ok(vectors.length >= 40, `parsed ${vectors.length} vectors`);
  let same = 0;
  const differ: string[] = [];
  for (const v of vectors) {
    const got = sanitizePath(v.elements, posix).join('/');
    if (got === v.expected) {
      same++;
      continue;
    }
    const why = deliberate(v, got);
    assert.ok(why, `${JSON.stringify(v.elements)}: got ${JSON.stringify(got)}, libtorrent ${JSON.stringify(v.expected)}`);
    differ.push(`${JSON.stringify(v.elements)} -> ${JSON.stringify(got)} (lt ${JSON.stringify(v.expected)}): ${why}`);
  }
  t.diagnostic(`${same} of ${vectors.length} vectors identical; ${differ.length} deliberately different:`);
  for (const d of differ) t.diagnostic(d);
});
