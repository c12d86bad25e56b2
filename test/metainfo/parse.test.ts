import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { encode } from '../../src/bencode/index.js';
import {
  MAX_PIECES, MetainfoError, parseInfoDict, parseTorrent, resolveInside, torrentRelativePath, V2_UNSUPPORTED_MESSAGE,
} from '../../src/metainfo/index.js';
import { fakePieces, infoDict, makeTorrent, sha1hex } from './fixtures.js';

const refused = (reason: string, code = 'EMETAINFO') => (e: unknown): boolean => {
  assert.ok(e instanceof MetainfoError, `not a MetainfoError: ${String(e)}`);
  assert.equal(e.code, code);
  assert.equal(e.context.reason, reason, e.message);
  return true;
};

test('single-file torrent', () => {
  const buf = makeTorrent({ name: 'file.bin', length: 40000, pieceLength: 16384, top: { announce: 'http://t/a', comment: 'hi', 'created by': 'me', 'creation date': 1700000000 } });
  const m = parseTorrent(buf);
  assert.equal(m.name, 'file.bin');
  assert.equal(m.multiFile, false);
  assert.equal(m.totalLength, 40000);
  assert.equal(m.pieceCount, 3);
  assert.equal(m.pieces.length, 60);
  assert.deepEqual(m.files.map((f) => [f.path, f.rawPath, f.length, f.offset, f.pad, f.attr]), [[['file.bin'], 'file.bin', 40000, 0, false, '']]);
  assert.deepEqual(m.announce, [['http://t/a']]);
  assert.deepEqual(m.webSeeds, []);
  assert.equal(m.comment, 'hi');
  assert.equal(m.createdBy, 'me');
  assert.equal(m.creationDate, 1700000000);
  assert.equal(m.private, false);
  assert.equal(m.hybrid, false);
  assert.equal(m.infoHashV2, undefined);
  const info = encode(infoDict({ name: 'file.bin', length: 40000, pieceLength: 16384 }));
  assert.ok(m.infoBytes.equals(info));
  assert.equal(m.infoHash.hex, sha1hex(info));
});

test('multi-file torrent: offsets, paths under the name, raw paths', () => {
  const m = parseTorrent(makeTorrent({
    name: 'dir',
    files: [{ length: 10, path: ['a', 'x.txt'] }, { length: 0, path: ['empty'] }, { length: 20000, path: ['b.bin'] }],
  }));
  assert.equal(m.multiFile, true);
  assert.equal(m.totalLength, 20010);
  assert.deepEqual(m.files.map((f) => [f.path.join('/'), f.rawPath, f.offset]), [
    ['dir/a/x.txt', 'dir/a/x.txt', 0],
    ['dir/empty', 'dir/empty', 10],
    ['dir/b.bin', 'dir/b.bin', 10],
  ]);
  assert.deepEqual(m.files.map((f) => torrentRelativePath(m, f).join('/')), ['a/x.txt', 'empty', 'b.bin']);
  const single = parseTorrent(makeTorrent({ name: 'one.iso' }));
  assert.deepEqual(torrentRelativePath(single, single.files[0]!), ['one.iso']);
});

test('the info-hash is SHA-1 of the raw info bytes, even with unsorted keys and a trailing newline', () => {
  const pieces = fakePieces(5, 16384);
  const info = Buffer.concat([Buffer.from('d4:name1:x6:lengthi5e12:piece lengthi16384e6:pieces20:'), pieces, Buffer.from('e')]);
  const file = Buffer.concat([Buffer.from('d4:info'), info, Buffer.from('e\n')]);
  const m = parseTorrent(file);
  assert.equal(m.infoHash.hex, sha1hex(info));
  assert.notEqual(m.infoHash.hex, sha1hex(encode({ name: 'x', length: 5, 'piece length': 16384, pieces })));
  assert.ok(m.pieces.equals(pieces));
  // parseInfoDict gives the same info-derived parts
  const i = parseInfoDict(info);
  assert.equal(i.infoHash.hex, m.infoHash.hex);
  assert.deepEqual(i.files, m.files);
  assert.ok(i.pieces.equals(m.pieces));
  assert.throws(() => parseInfoDict(Buffer.concat([info, Buffer.from('x')])), refused('invalid_bencoding'));
  assert.throws(() => parseInfoDict(Buffer.from('le')), refused('missing_info'));
});

test('input may be any Uint8Array view (offset into a larger buffer)', () => {
  const buf = makeTorrent({ length: 70000 });
  const big = new Uint8Array(buf.length + 13);
  big.set(buf, 7);
  const m = parseTorrent(big.subarray(7, 7 + buf.length));
  const ref = parseTorrent(buf);
  assert.equal(m.infoHash.hex, ref.infoHash.hex);
  assert.ok(m.pieces.equals(ref.pieces));
});

test('parsed buffers do not alias the input', () => {
  const buf = makeTorrent({ length: 100 });
  const m = parseTorrent(buf);
  const before = Buffer.from(m.pieces);
  buf.fill(0);
  assert.ok(m.pieces.equals(before));
  assert.equal(m.infoHash.hex, sha1hex(m.infoBytes));
});

test('BEP 12 announce-list: tiers kept, empty and invalid dropped, URLs deduplicated and trimmed', () => {
  const m = parseTorrent(makeTorrent({
    top: {
      announce: 'http://ignored/announce',
      'announce-list': [['http://a/1', ' http://b/2\t', 'http://a/1'], [], [42, ''], ['udp://c:80'], 'http://d/4', ['http://b/2']],
    },
  }));
  assert.deepEqual(m.announce, [['http://a/1', 'http://b/2'], ['udp://c:80'], ['http://d/4']]);
  const fallback = parseTorrent(makeTorrent({ top: { announce: 'http://only/announce', 'announce-list': [[], ['']] } }));
  assert.deepEqual(fallback.announce, [['http://only/announce']]);
  const injected = parseTorrent(makeTorrent({ top: { 'announce-list': [['http://a/x\r\nHost: evil', 'http://ok/']], 'url-list': ['http://w/\r\nX: y'] } }));
  assert.deepEqual(injected.announce, [['http://ok/']]);
  assert.deepEqual(injected.webSeeds, []);
  assert.deepEqual(parseTorrent(makeTorrent({ top: { 'announce-list': '' } })).announce, []);
});

test('BEP 19 url-list as a string or a list', () => {
  assert.deepEqual(parseTorrent(makeTorrent({ top: { 'url-list': 'http://ws/file' } })).webSeeds, ['http://ws/file']);
  assert.deepEqual(parseTorrent(makeTorrent({ top: { 'url-list': ['http://a/f', '', 7, ['x'], 'http://a/f', 'http://b/f g'] } })).webSeeds, ['http://a/f', 'http://b/f%20g']);
  assert.deepEqual(parseTorrent(makeTorrent({ top: { 'url-list': '' } })).webSeeds, []);
  const multi = parseTorrent(makeTorrent({ files: [{ length: 1, path: ['a'] }, { length: 1, path: ['b'] }], top: { 'url-list': 'http://ws/dir' } }));
  assert.deepEqual(multi.webSeeds, ['http://ws/dir/']);
});

test('BEP 27 private flag', () => {
  assert.equal(parseTorrent(makeTorrent({ info: { private: 1 } })).private, true);
  assert.equal(parseTorrent(makeTorrent({ info: { private: 0 } })).private, false);
});

test('BEP 47 pad files, attributes and symlinks', () => {
  const m = parseTorrent(makeTorrent({
    name: 'd',
    files: [
      { length: 100, path: ['run.sh'], attr: 'x' },
      { length: 16284, attr: 'p' },
      { length: 16384, path: ['.hidden'], attr: 'h' },
      { length: 999, path: ['link'], attr: 'l', symlink: ['..', 'run.sh'] },
      { length: 5, path: ['_____padding_file_0_'] },
      { length: 10, path: ['broken'], attr: 'l' },
    ],
  }));
  assert.deepEqual(m.files.map((f) => [f.path.join('/'), f.length, f.offset, f.pad, f.attr, f.symlinkPath?.join('/')]), [
    ['d/run.sh', 100, 0, false, 'x', undefined],
    ['d/.pad/16284', 16284, 100, true, 'p', undefined],
    ['d/.hidden', 16384, 16384, false, 'h', undefined],
    ['d/link', 0, 32768, false, 'l', 'd/_/run.sh'],
    ['d/_____padding_file_0_', 5, 32768, true, '', undefined],
    ['d/broken', 10, 32773, false, '', undefined],
  ]);
  assert.equal(m.totalLength, 32783);
  assert.throws(() => parseTorrent(makeTorrent({ files: [{ length: 1, path: ['l'], attr: 'l', symlink: ['a', 5 as unknown as string] }] })), refused('invalid_path'));
});

test('name.utf-8 and path.utf-8 are preferred; unicode names survive', () => {
  const m = parseTorrent(makeTorrent({
    name: 'legacy',
    info: { 'name.utf-8': 'caf\u00e9 \u65e5\u672c' },
    files: [{ length: 3, path: ['x'], extra: { 'path.utf-8': ['\u{1f600}', 'na\u00efve.txt'] } }],
  }));
  assert.equal(m.name, 'caf\u00e9 \u65e5\u672c');
  assert.deepEqual(m.files[0]!.path, ['caf\u00e9 \u65e5\u672c', '\u{1f600}', 'na\u00efve.txt']);
});

test('hostile paths are sanitized and every one stays inside the download root', () => {
  const hostile: (string | Uint8Array)[][] = [
    ['..', '..', 'etc', 'passwd'],
    ['/etc', 'passwd'],
    ['/'],
    ['C:', 'Windows', 'evil.dll'],
    ['C:\\Windows\\evil.dll'],
    ['a\0b'],
    [Buffer.from([0x66, 0x00, 0x2e, 0x2e])],
    ['', '', 'x'],
    ['.', 'x'],
    ['..\\..\\x'],
    ['\u202etxt.exe'],
    ['x'.repeat(5000)],
    ['dup'],
    ['dup'],
  ];
  const m = parseTorrent(makeTorrent({ name: '..', files: hostile.map((path) => ({ length: 7, path })) }));
  assert.equal(m.name, m.infoHash.hex);
  const root = mkdtempSync(join(tmpdir(), 'shoal-parse-'));
  try {
    const seen = new Set<string>();
    for (const f of m.files) {
      const full = resolveInside(root, f.path);
      assert.ok(full.startsWith(root + sep), full);
      assert.ok(!relative(root, full).split(sep).includes('..'));
      assert.ok(!seen.has(full), `two files at ${full}`);
      seen.add(full);
    }
    assert.deepEqual(m.files[0]!.path.slice(1), ['_', '_', 'etc', 'passwd']);
    assert.deepEqual(m.files[3]!.path.slice(1), ['C_', 'Windows', 'evil.dll']);
    assert.deepEqual(m.files[13]!.path.slice(1), ['dup.1']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.throws(() => parseTorrent(makeTorrent({ name: 'a\0' })), refused('missing_name'));
});

test('validation: lengths, piece length, pieces, files', () => {
  const bad = (spec: Parameters<typeof makeTorrent>[0], reason: string): void => {
    assert.throws(() => parseTorrent(makeTorrent(spec)), refused(reason), reason);
  };
  bad({ info: { 'piece length': 0 } }, 'missing_piece_length');
  bad({ info: { 'piece length': -16384 } }, 'missing_piece_length');
  bad({ info: { 'piece length': '16384' } }, 'missing_piece_length');
  bad({ info: { 'piece length': 2 ** 31 } }, 'missing_piece_length');
  bad({ info: { 'piece length': undefined } }, 'missing_piece_length');
  bad({ length: -1, pieces: Buffer.alloc(0) }, 'invalid_length');
  bad({ length: 0, pieces: Buffer.alloc(0) }, 'invalid_length');
  bad({ info: { length: 2n ** 60n } }, 'invalid_length');
  bad({ files: [{ length: 0, path: ['a'] }], pieces: Buffer.alloc(0) }, 'invalid_length');
  bad({ files: [] }, 'no_files');
  bad({ files: [{ length: 5 }] }, 'invalid_path');
  bad({ files: [{ length: 5, path: [] }] }, 'invalid_path');
  bad({ files: [{ length: 5, path: ['a', 3 as unknown as string] }] }, 'invalid_path');
  bad({ pieces: Buffer.alloc(21) }, 'invalid_hashes');
  bad({ length: 20000, pieces: Buffer.alloc(20) }, 'invalid_hashes');
  bad({ info: { pieces: 5 } }, 'missing_pieces');
  bad({ info: { name: 7 } }, 'missing_name');
  bad({ info: { name: undefined } }, 'missing_name');
  // the piece count is checked before the pieces string, and before allocating anything
  bad({ length: 16384 * (MAX_PIECES + 1), pieces: Buffer.alloc(20) }, 'too_many_pieces');
  assert.throws(() => parseTorrent(Buffer.from('d4:infoi1ee')), refused('missing_info'));
  assert.throws(() => parseTorrent(Buffer.from('le')), refused('not_a_dict'));
  assert.throws(() => parseTorrent(Buffer.from('d4:info')), refused('invalid_bencoding'));
  assert.throws(() => parseTorrent(Buffer.alloc(0)), refused('invalid_bencoding'));
  // a large but legal torrent: big piece length, many pieces
  const big = parseTorrent(makeTorrent({ length: 536854528 * 3, pieceLength: 536854528 }));
  assert.equal(big.pieceCount, 3);
});

test('creation date: seconds kept, milliseconds converted, nonsense dropped', () => {
  const date = (v: unknown): number | undefined => parseTorrent(makeTorrent({ top: { 'creation date': v as number } })).creationDate;
  assert.equal(date(1452468725), 1452468725);
  assert.equal(date(1452468725091), 1452468725);
  assert.equal(date(-5), undefined);
  assert.equal(date('2020'), undefined);
  assert.equal(date(2n ** 62n), undefined);
});

test('v2-only info dicts are refused with EV2_UNSUPPORTED', () => {
  const v2info = {
    name: 'x', 'piece length': 16384, 'meta version': 2,
    'file tree': { x: { '': { length: 5, 'pieces root': Buffer.alloc(32, 1) } } },
  };
  for (const buf of [encode({ info: v2info }), encode({ info: { ...v2info, 'meta version': undefined } })]) {
    assert.throws(() => parseTorrent(buf), (e: unknown) => {
      assert.ok(e instanceof MetainfoError);
      assert.equal(e.code, 'EV2_UNSUPPORTED');
      assert.equal(e.message, V2_UNSUPPORTED_MESSAGE);
      return true;
    });
  }
  assert.throws(() => parseInfoDict(encode(v2info)), refused('v2_unsupported', 'EV2_UNSUPPORTED'));
});

/** A hybrid torrent with aligned v1 files and pad files, built from (name, length) pairs. */
function hybrid(files: [string, number][], pieceLength = 16384, tweak?: (v1: Record<string, unknown>[], tree: Record<string, unknown>) => void): Buffer {
  const v1: Record<string, unknown>[] = [];
  const tree: Record<string, unknown> = {};
  let total = 0;
  files.forEach(([name, length], i) => {
    v1.push({ length, path: [name] });
    tree[name] = { '': { length, ...(length > 0 && { 'pieces root': Buffer.alloc(32, 7) }) } };
    total += length;
    const rem = total % pieceLength;
    if (i < files.length - 1 && rem !== 0 && length > 0) {
      v1.push({ attr: 'p', length: pieceLength - rem, path: ['.pad', String(pieceLength - rem)] });
      total += pieceLength - rem;
    }
  });
  tweak?.(v1, tree);
  const sum = v1.reduce((a, f) => a + (f.length as number), 0);
  const info = { name: 'h', 'piece length': pieceLength, 'meta version': 2, files: v1 as never, 'file tree': tree as never, pieces: fakePieces(sum, pieceLength) };
  return encode({ info, 'piece layers': {} });
}

test('hybrids load through their v1 part; inconsistent ones are refused', () => {
  const buf = hybrid([['a', 100], ['b', 0], ['c', 20000], ['d', 5]]);
  const m = parseTorrent(buf);
  assert.equal(m.hybrid, true);
  assert.deepEqual(m.files.filter((f) => !f.pad).map((f) => f.path.join('/')), ['h/a', 'h/b', 'h/c', 'h/d']);
  assert.equal(m.files.filter((f) => f.pad).length, 2);
  assert.equal(m.infoHash.hex, sha1hex(m.infoBytes));
  assert.equal(m.infoHashV2!.toString('hex'), createHash('sha256').update(m.infoBytes).digest('hex'));

  const tree = (t: (v1: Record<string, unknown>[], tree: Record<string, unknown>) => void): Buffer => hybrid([['a', 100], ['c', 20000]], 16384, t);
  assert.throws(() => parseTorrent(tree((_, t) => void (t.c = { '': { length: 19999 } }))), refused('inconsistent_files'));
  assert.throws(() => parseTorrent(tree((_, t) => { t.z = t.c; delete t.c; })), refused('inconsistent_files'));
  assert.throws(() => parseTorrent(tree((_, t) => void (t.e = { '': { length: 1 } }))), refused('file_parse_failed'));
  assert.throws(() => parseTorrent(tree((_, t) => void (t.c = { length: 20000 }))), refused('file_parse_failed'));
  assert.throws(() => parseTorrent(tree((_, t) => void (t[''] = { '': { length: 1 } }))), refused('file_parse_failed'));
  // misaligned: the pad is one byte short, the piece count still matches
  assert.throws(() => parseTorrent(tree((v1) => void (v1[1]!.length = (v1[1]!.length as number) - 1))), refused('inconsistent_files'));
});

test('fuzz: mutated and truncated torrents either parse or throw MetainfoError, nothing else', async () => {
  const fc = (await import('fast-check')).default;
  const seeds = [
    makeTorrent({ name: 'd', files: [{ length: 100, path: ['a', 'b'] }, { length: 16284, attr: 'p' }, { length: 5, path: ['l'], attr: 'l', symlink: ['a', 'b'] }], top: { 'announce-list': [['http://a']], 'url-list': 'http://w' } }),
    makeTorrent({ length: 40000 }),
    hybrid([['a', 100], ['c', 20000]]),
  ];
  const check = (buf: Uint8Array): void => {
    try {
      const m = parseTorrent(buf);
      assert.equal(m.pieces.length, m.pieceCount * 20);
      for (const f of m.files) resolveInside('/dl', f.path);
    } catch (e) {
      if (!(e instanceof MetainfoError)) throw e;
    }
  };
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (seed, flips, cut) => {
      const b = Buffer.from(seed);
      for (const [at, v] of flips) b[at % b.length] = v;
      check(b);
      check(b.subarray(0, cut % (b.length + 1)));
    }),
    { numRuns: 3000 },
  );
  // random info dicts of the wrong shapes
  const anyValue = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.integer({ min: -5, max: 70000 }), fc.string(), fc.uint8Array({ maxLength: 40 }), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('length', 'path', 'attr', 'symlink path', 'x'), tie('v'), { maxKeys: 3 })),
  })).v;
  fc.assert(
    fc.property(
      fc.record({ name: anyValue, 'piece length': fc.oneof(anyValue, fc.constant(16384)), length: anyValue, files: fc.oneof(anyValue, fc.array(fc.dictionary(fc.constantFrom('length', 'path', 'attr', 'symlink path', 'path.utf-8'), anyValue), { maxLength: 4 })), pieces: anyValue, 'meta version': anyValue, 'file tree': anyValue }, { requiredKeys: [] }),
      (info) => check(encode({ info: info as never })),
    ),
    { numRuns: 2000 },
  );
});
