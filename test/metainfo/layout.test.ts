import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  filePieceRange, parseTorrent, pieceSize, pieceSpans, spansForRange, type FileSpan, type Metainfo,
} from '../../src/metainfo/index.js';
import { makeTorrent } from './fixtures.js';

type Layout = Pick<Metainfo, 'files' | 'pieceLength' | 'pieceCount' | 'totalLength'>;

function layoutOf(lengths: number[], pads: boolean[], pieceLength: number): Layout {
  let offset = 0;
  const files = lengths.map((length, i) => {
    const f = { path: [`f${i}`], rawPath: `f${i}`, length, offset, pad: pads[i] ?? false, attr: '' };
    offset += length;
    return f;
  });
  return { files, pieceLength, pieceCount: Math.ceil(offset / pieceLength), totalLength: offset };
}

const layouts = fc
  .record({
    lengths: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 40 }),
    pads: fc.array(fc.boolean(), { maxLength: 40 }),
    pieceLength: fc.oneof(fc.constantFrom(1, 16, 1024), fc.integer({ min: 1, max: 3000 })),
  })
  .filter((r) => r.lengths.some((l) => l > 0))
  .map((r) => layoutOf(r.lengths, r.pads, r.pieceLength));

/** Expands spans to (file, offset) byte coordinates. */
function bytesOf(spans: FileSpan[]): [number, number][] {
  const out: [number, number][] = [];
  for (const s of spans) for (let i = 0; i < s.length; i++) out.push([s.fileIndex, s.fileOffset + i]);
  return out;
}

test('spans of all pieces cover every byte (pad bytes included) exactly once, in order', () => {
  fc.assert(
    fc.property(layouts, (m) => {
      const all: FileSpan[] = [];
      let sum = 0;
      for (let p = 0; p < m.pieceCount; p++) {
        const spans = pieceSpans(m, p);
        const size = pieceSize(m, p);
        assert.equal(spans.reduce((a, s) => a + s.length, 0), size);
        if (p < m.pieceCount - 1) assert.equal(size, m.pieceLength);
        else assert.ok(size > 0 && size <= m.pieceLength);
        for (const s of spans) {
          assert.ok(s.length > 0);
          assert.ok(m.files[s.fileIndex]!.length > 0, 'zero-length files are skipped');
          assert.ok(s.fileOffset + s.length <= m.files[s.fileIndex]!.length);
        }
        sum += size;
        all.push(...spans);
      }
      assert.equal(sum, m.totalLength);
      // Joined back together, the spans are exactly each non-empty file, whole, in file order.
      const merged: FileSpan[] = [];
      for (const sp of all) {
        const last = merged[merged.length - 1];
        if (last && last.fileIndex === sp.fileIndex && last.fileOffset + last.length === sp.fileOffset) merged[merged.length - 1] = { ...last, length: last.length + sp.length };
        else merged.push(sp);
      }
      const whole = m.files.flatMap((f, i) => (f.length > 0 ? [{ fileIndex: i, fileOffset: 0, length: f.length }] : []));
      assert.deepEqual(merged, whole);
      assert.deepEqual(merged.filter((sp) => !m.files[sp.fileIndex]!.pad), whole.filter((sp) => !m.files[sp.fileIndex]!.pad));
    }),
    { numRuns: 300 },
  );
});

test('filePieceRange agrees with pieceSpans; empty files give an empty range', () => {
  fc.assert(
    fc.property(layouts, (m) => {
      const touching = m.files.map(() => new Set<number>());
      for (let p = 0; p < m.pieceCount; p++) for (const s of pieceSpans(m, p)) touching[s.fileIndex]!.add(p);
      m.files.forEach((f, i) => {
        const r = filePieceRange(m, i);
        if (f.length === 0) {
          assert.equal(r.last, r.first - 1);
          assert.equal(touching[i]!.size, 0);
        } else {
          assert.deepEqual([...touching[i]!], Array.from({ length: r.last - r.first + 1 }, (_, k) => r.first + k));
        }
      });
    }),
    { numRuns: 300 },
  );
});

const smallLayouts = fc
  .record({
    lengths: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 20 }),
    pieceLength: fc.integer({ min: 1, max: 500 }),
  })
  .filter((r) => r.lengths.some((l) => l > 0))
  .map((r) => layoutOf(r.lengths, [], r.pieceLength));

test('spansForRange matches a byte-by-byte model for arbitrary ranges', () => {
  fc.assert(
    fc.property(smallLayouts.chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 0, max: m.totalLength })).chain(([mm, off]) => fc.tuple(fc.constant(mm), fc.constant(off), fc.integer({ min: 0, max: mm.totalLength - off })))), ([m, off, len]) => {
      const expected: [number, number][] = [];
      m.files.forEach((f, i) => {
        for (let b = 0; b < f.length; b++) if (f.offset + b >= off && f.offset + b < off + len) expected.push([i, b]);
      });
      assert.deepEqual(bytesOf(spansForRange(m, off, len)), expected);
    }),
    { numRuns: 500 },
  );
});

test('range errors', () => {
  const m = layoutOf([10, 0, 5], [], 4);
  assert.equal(m.pieceCount, 4);
  assert.equal(pieceSize(m, 3), 3);
  for (const bad of [-1, 4, 1.5, NaN]) assert.throws(() => pieceSize(m, bad), (e: Error & { code?: string }) => e.code === 'ERANGE');
  assert.throws(() => pieceSpans(m, 4), (e: Error & { code?: string }) => e.code === 'ERANGE');
  assert.throws(() => spansForRange(m, 10, 6), (e: Error & { code?: string }) => e.code === 'ERANGE');
  assert.throws(() => spansForRange(m, -1, 1), (e: Error & { code?: string }) => e.code === 'ERANGE');
  assert.throws(() => filePieceRange(m, 3), (e: Error & { code?: string }) => e.code === 'ERANGE');
  assert.deepEqual(spansForRange(m, 15, 0), []);
  assert.deepEqual(spansForRange(m, 8, 4), [{ fileIndex: 0, fileOffset: 8, length: 2 }, { fileIndex: 2, fileOffset: 0, length: 2 }]);
});

test('a parsed torrent with pad files: pieces map onto the files', () => {
  const m = parseTorrent(makeTorrent({
    name: 'd', pieceLength: 16384,
    files: [{ length: 100, path: ['a'] }, { length: 16284, attr: 'p' }, { length: 0, path: ['e'] }, { length: 20000, path: ['b'] }],
  }));
  assert.deepEqual(pieceSpans(m, 0), [{ fileIndex: 0, fileOffset: 0, length: 100 }, { fileIndex: 1, fileOffset: 0, length: 16284 }]);
  assert.deepEqual(pieceSpans(m, 1), [{ fileIndex: 3, fileOffset: 0, length: 16384 }]);
  assert.deepEqual(pieceSpans(m, 2), [{ fileIndex: 3, fileOffset: 16384, length: 3616 }]);
  assert.deepEqual(filePieceRange(m, 3), { first: 1, last: 2 });
  assert.deepEqual(filePieceRange(m, 2), { first: 1, last: 0 });
});

test('lookups stay fast with many files (binary search, no per-call scan)', () => {
  const n = 200_000;
  const m = layoutOf(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 7)), [], 16384);
  pieceSpans(m, 0); // builds the offset table once
  const t0 = performance.now();
  let count = 0;
  for (let p = 0; p < m.pieceCount; p++) count += pieceSpans(m, p).length;
  const ms = performance.now() - t0;
  assert.ok(count >= m.pieceCount);
  // Many random single-byte lookups: with a per-call O(files) scan this would be 2e10 steps.
  const t1 = performance.now();
  for (let k = 0; k < 100_000; k++) spansForRange(m, (k * 7919) % m.totalLength, 1);
  const ms2 = performance.now() - t1;
  assert.ok(ms2 < 2000, `100k lookups took ${ms2.toFixed(0)} ms`);
  assert.ok(ms < 5000, `all pieces took ${ms.toFixed(0)} ms`);
});
