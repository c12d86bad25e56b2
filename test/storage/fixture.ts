import type { FileEntry } from '../../src/metainfo/types.js';
import type { StorageLayout } from '../../src/storage/interface.js';

export interface FileSpec {
  readonly path: readonly string[];
  readonly length: number;
  readonly pad?: boolean;
}

/** A storage layout from file specs (offsets, piece count computed as the parser would). */
export function makeLayout(specs: readonly FileSpec[], pieceLength: number): StorageLayout {
  let offset = 0;
  const files: FileEntry[] = specs.map((s) => {
    const f: FileEntry = { path: s.path, rawPath: s.path.join('/'), length: s.length, offset, pad: s.pad ?? false, attr: s.pad ? 'p' : '' };
    offset += s.length;
    return f;
  });
  return { files, pieceLength, pieceCount: Math.ceil(offset / pieceLength), totalLength: offset };
}

/** Multi-file: a pad file, a zero-length file, nested folders, files smaller than a piece. */
export const multiLayout = makeLayout(
  [
    { path: ['t', 'a.bin'], length: 1000 },
    { path: ['t', '.pad', '24'], length: 24, pad: true },
    { path: ['t', 'empty'], length: 0 },
    { path: ['t', 'sub', 'b.bin'], length: 5000 },
    { path: ['t', 'sub', 'deeper', 'c.bin'], length: 1 },
    { path: ['t', 'sub', 'd.bin'], length: 3 },
    { path: ['t', '.pad', '1020'], length: 1020, pad: true },
    { path: ['t', 'z.bin'], length: 2500 },
  ],
  1024,
);

export const singleLayout = makeLayout([{ path: ['single.iso'], length: 3 * 16384 + 123 }], 16384);

/** Deterministic torrent content: pseudo-random bytes, zeros in pad files. */
export function content(layout: StorageLayout, seed = 1): Buffer {
  const b = Buffer.alloc(layout.totalLength);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  for (const f of layout.files) if (f.pad) b.fill(0, f.offset, f.offset + f.length);
  return b;
}

export function pieceOf(layout: StorageLayout, data: Buffer, index: number): Buffer {
  return data.subarray(index * layout.pieceLength, Math.min(layout.totalLength, (index + 1) * layout.pieceLength));
}
