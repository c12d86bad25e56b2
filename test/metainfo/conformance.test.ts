// Runs shoal's parser against ../shared/conformance (libtorrent, parse-torrent, BEP 52 files).
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { MetainfoError, parseTorrent, pieceSpans, resolveInside, type Metainfo } from '../../src/metainfo/index.js';
import { conformancePath, hasConformance } from './fixtures.js';

const SKIP = '../shared/conformance not found';

function rows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

function load(path: string): { meta?: Metainfo; error?: MetainfoError } {
  try {
    return { meta: parseTorrent(readFileSync(path)) };
  } catch (e) {
    assert.ok(e instanceof MetainfoError, `${path}: not a MetainfoError: ${String(e)}`);
    return { error: e };
  }
}

/**
 * Rows where shoal deliberately gives a different value than libtorrent for a checked property.
 * Key: file + clause.
 */
const DELIBERATE: Record<string, string> = {
  'pad_file_no_path.torrent file_path(1)==".pad/2124"':
    'shoal names a path-less pad file "temp/.pad/2124": every path stays under the torrent folder (pad files are never written)',
};

/** Checks one libtorrent property clause; returns false when shoal does not model it. */
function checkClause(meta: Metainfo, clause: string): boolean {
  let m: RegExpExecArray | null;
  const where = clause;
  if ((m = /^num_files==(\d+)$/.exec(clause))) assert.equal(meta.files.length, Number(m[1]), where);
  else if ((m = /^num_files>(\d+)$/.exec(clause))) assert.ok(meta.files.length > Number(m[1]), where);
  else if ((m = /^file_path\((\d+)\)=="([^"]*)"( \(layout\))?$/.exec(clause))) {
    if (m[3]) return true; // the layout name before renaming; shoal's path is the renamed one (checked below)
    assert.equal(meta.files[Number(m[1])]!.path.join('/'), m[2], where);
  } else if ((m = /^renamed_files\[(\d+)\]=="([^"]*)"/.exec(clause))) assert.equal(meta.files[Number(m[1])]!.path.join('/'), m[2], where);
  else if ((m = /^symlink\((\d+)\)=="([^"]*)"/.exec(clause))) assert.equal(meta.files[Number(m[1])]!.symlinkPath?.join('/'), m[2], where);
  else if ((m = /^name=="([^"]*)"/.exec(clause))) assert.equal(meta.name, m[1], where);
  else if ((m = /^creation_date==(\d+)$/.exec(clause))) assert.equal(meta.creationDate, Number(m[1]), where);
  else if (/^creation_date is absent/.test(clause)) assert.equal(meta.creationDate, undefined, where);
  else if ((m = /^url_seeds==\[(.*)\]$/.exec(clause))) assert.deepEqual(meta.webSeeds, [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]), where);
  else if ((m = /^url_seeds\.size\(\)==(\d+)$/.exec(clause))) assert.equal(meta.webSeeds.length, Number(m[1]), where);
  else if ((m = /^trackers\[0\]=="([^"]*)"/.exec(clause))) assert.equal(meta.announce[0]?.[0], m[1], where);
  else if ((m = /^piece_length==.*\(=(\d+)\)$/.exec(clause))) assert.equal(meta.pieceLength, Number(m[1]), where);
  else if ((m = /^file_size\((\d+)\)==(\d+)$/.exec(clause))) assert.equal(meta.files[Number(m[1])]!.length, Number(m[2]), where);
  else if (/^has_v1 && has_v2$/.test(clause)) assert.equal(meta.hybrid, true, where);
  else if ((m = /^v2 info-hash==([0-9a-f]{64})$/.exec(clause))) assert.equal(meta.infoHashV2?.toString('hex'), m[1], where);
  else if ((m = /^file (\d+) is not a pad file$/.exec(clause))) assert.equal(meta.files[Number(m[1])]!.pad, false, where);
  else if ((m = /^file (\d+) has the pad-file flag$/.exec(clause))) assert.equal(meta.files[Number(m[1])]!.pad, true, where);
  else if ((m = /^file paths \(POSIX\) == \[(.*)\]$/.exec(clause))) assert.deepEqual(meta.files.map((f) => f.path.join('/')), [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]), where);
  else if (/^(loads|no further property checked)$/.test(clause) || /on Windows/.test(clause)) return true;
  else return false;
  return true;
}

test('conformance: libtorrent test torrents (EXPECTED.tsv): load or refuse, names and paths', (t) => {
  if (!hasConformance) return t.skip(SKIP);
  const dir = conformancePath('libtorrent');
  let agree = 0;
  let checkedClauses = 0;
  const unmodelled: string[] = [];
  const differ: string[] = [];
  const all = rows(join(dir, 'EXPECTED.tsv'));
  assert.equal(all.length, 108);
  for (const r of all) {
    const file = r.file!;
    const { meta, error } = load(join(dir, file));
    if (r.format === 'v2-only') {
      // v2-only: always refused; EV2_UNSUPPORTED unless the file is already broken bencoding.
      assert.ok(error, `${file} should be refused`);
      if (r.expect === 'ok') assert.equal(error.code, 'EV2_UNSUPPORTED', file);
      else assert.ok(['EV2_UNSUPPORTED', 'EMETAINFO'].includes(error.code), file);
      agree++;
      continue;
    }
    if (r.expect === 'error') {
      assert.ok(error, `${file}: libtorrent refuses it (${r.error_or_note}), shoal loaded it`);
      agree++;
      continue;
    }
    assert.ok(meta, `${file}: libtorrent loads it, shoal refused: ${error?.message}`);
    assert.equal(meta.infoHash.hex, r.computed_v1_infohash, `${file} info-hash`);
    assert.equal(meta.hybrid, r.format!.startsWith('hybrid'), `${file} hybrid`);
    for (const f of meta.files) resolveInside('/download', f.path);
    for (const clause of r.error_or_note!.split('; ')) {
      const key = `${file} ${clause}`;
      if (DELIBERATE[key]) {
        differ.push(`${key}: ${DELIBERATE[key]}`);
        continue;
      }
      if (checkClause(meta, clause)) checkedClauses++;
      else unmodelled.push(key);
    }
    agree++;
  }
  assert.equal(agree, 108);
  t.diagnostic(`108/108 rows agree on load/refuse (v1 and hybrid rows with libtorrent; 26 v2-only rows refused); ${checkedClauses} property clauses identical`);
  for (const d of differ) t.diagnostic(`deliberately different: ${d}`);
  for (const u of unmodelled) t.diagnostic(`not modelled by shoal: ${u}`);
});

test('conformance: parse-torrent fixtures (EXPECTED.tsv)', (t) => {
  if (!hasConformance) return t.skip(SKIP);
  const dir = conformancePath('parse-torrent');
  let n = 0;
  for (const r of rows(join(dir, 'EXPECTED.tsv'))) {
    const { meta, error } = load(join(dir, r.file!));
    n++;
    if (r.expect === 'error') {
      assert.ok(error, r.file);
      continue;
    }
    assert.ok(meta, `${r.file}: ${error?.message}`);
    assert.equal(meta.infoHash.hex, r.computed_v1_infohash, r.file);
    const note = r.error_or_note!;
    let m: RegExpExecArray | null;
    if ((m = /name=([^;]+);/.exec(note))) assert.equal(meta.name, m[1]!.replace(/^'|'$/g, ''), r.file);
    if ((m = /length=(\d+); pieceLength=(\d+); lastPieceLength=(\d+); (\d+) pieces/.exec(note))) {
      assert.deepEqual([meta.totalLength, meta.pieceLength, meta.pieceCount], [Number(m[1]), Number(m[2]), Number(m[4])], r.file);
      assert.equal(meta.totalLength - (meta.pieceCount - 1) * meta.pieceLength, Number(m[3]));
    }
    if ((m = /announce(?: deduplicated)? ?==? ?\[([^\]]*)\]/.exec(note))) assert.deepEqual(meta.announce.flat(), m[1] === '' ? [] : m[1]!.split(', '), r.file);
    if ((m = /urlList ?==? ?\[([^\]]*)\]/.exec(note))) assert.deepEqual(meta.webSeeds, m[1] === '' ? [] : m[1]!.split(', '), r.file);
    if (/private=1/.test(note)) assert.equal(meta.private, true);
    if ((m = /files (.*) under '(\w+)'/.exec(note))) {
      const want = [...m[1]!.matchAll(/([\w.]+)\((\d+) B\)/g)].map((x) => [`${m![2]}/${x[1]}`, Number(x[2])]);
      assert.deepEqual(meta.files.map((f) => [f.path.join('/'), f.length]), want);
    }
  }
  assert.equal(n, 14);
});

test('conformance: piece hashes of the webtorrent fixtures match their content through pieceSpans', (t) => {
  if (!hasConformance) return t.skip(SKIP);
  const dir = conformancePath('parse-torrent', 'webtorrent-fixtures');
  let pieces = 0;
  for (const name of ['alice', 'folder', 'numbers', 'lots-of-numbers', 'leaves']) {
    const meta = parseTorrent(readFileSync(join(dir, `${name}.torrent`)));
    const paths = meta.files.map((f) => join(dir, ...f.path));
    if (!paths.every((p) => existsSync(p))) {
      t.diagnostic(`${name}: content not present, skipped`);
      continue;
    }
    const fds = paths.map((p) => openSync(p, 'r'));
    try {
      for (let p = 0; p < meta.pieceCount; p++) {
        const h = createHash('sha1');
        for (const s of pieceSpans(meta, p)) {
          const b = Buffer.alloc(s.length);
          assert.equal(readSync(fds[s.fileIndex]!, b, 0, s.length, s.fileOffset), s.length);
          h.update(b);
        }
        assert.ok(h.digest().equals(meta.pieces.subarray(p * 20, p * 20 + 20)), `${name} piece ${p}`);
        pieces++;
      }
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }
  assert.ok(pieces >= 30, `${pieces} pieces verified`);
});

test('conformance: BEP 52 reference torrents: hybrid loads through v1, v2-only refused', (t) => {
  if (!hasConformance) return t.skip(SKIP);
  const dir = conformancePath('bep52');
  const hy = parseTorrent(readFileSync(join(dir, 'bittorrent-v2-hybrid-test.torrent')));
  assert.equal(hy.infoHash.hex, '631a31dd0a46257d5078c0dee4e66e26f73e42ac');
  assert.equal(hy.infoHashV2?.toString('hex'), 'd8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb');
  assert.equal(hy.hybrid, true);
  assert.equal(hy.pieceCount, 1715);
  assert.equal(hy.files.filter((f) => !f.pad).length, 9);
  assert.equal(hy.files.filter((f) => f.pad).length, 8);
  assert.throws(
    () => parseTorrent(readFileSync(join(dir, 'bittorrent-v2-test.torrent'))),
    (e: unknown) => e instanceof MetainfoError && e.code === 'EV2_UNSUPPORTED' && e.message === 'BitTorrent v2-only torrents are not yet supported',
  );
  for (const r of rows(join(dir, 'EXPECTED.tsv'))) {
    if (r.computed_v1_infohash !== '-') assert.equal(parseTorrent(readFileSync(join(dir, r.file!))).infoHash.hex, r.computed_v1_infohash);
  }
});
