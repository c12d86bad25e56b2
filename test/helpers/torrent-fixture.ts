// Builds real torrents of random data on disk for engine, interop and adversary tests.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import type { Metainfo } from '../../src/metainfo/types.js';

export interface FixtureFile {
  /** Path under the torrent's top folder ('/'-separated); for a single-file torrent, the name. */
  readonly path: string;
  readonly size: number;
}

export interface Fixture {
  /** The .torrent file on disk. */
  readonly torrentPath: string;
  readonly torrent: Buffer;
  readonly meta: Metainfo;
  /** Folder holding the torrent's file or top folder (what a seeder's `--dir` is). */
  readonly seedDir: string;
  /** The file (single) or top folder (multi) itself: `shoal seed`'s PATH. */
  readonly dataPath: string;
  /** The torrent's bytes, concatenated in the torrent's file order (what a scripted seeder serves). */
  readonly content: Buffer;
  /** Paths relative to seedDir, name first. */
  readonly relPaths: string[];
}

export interface FixtureOptions {
  /** Torrent name (the top folder, or the file for single-file). */
  name: string;
  /** One entry without '/' and `single: true` gives a single-file torrent. */
  files: FixtureFile[];
  single?: boolean;
  pieceLength: number;
  announce?: string[];
}

/** Writes random files under `root/seed/NAME` and `root/NAME.torrent`. */
export async function makeFixture(root: string, o: FixtureOptions): Promise<Fixture> {
  const seedDir = join(root, 'seed');
  const dataPath = join(seedDir, o.name);
  const relPaths: string[] = [];
  for (const f of o.files) {
    const rel = o.single ? o.name : `${o.name}/${f.path}`;
    const abs = join(seedDir, rel);
    await mkdir(dirname(abs), { recursive: true });
    const bytes = randomBytes(f.size);
    await writeFile(abs, bytes);
    relPaths.push(rel);
  }
  const created = await createTorrent(dataPath, {
    pieceLength: o.pieceLength,
    creationDate: false,
    threads: 2,
    ...(o.announce && { announce: o.announce }),
  });
  const torrentPath = join(root, `${o.name}.torrent`);
  await writeFile(torrentPath, created.torrent);
  const meta = parseTorrent(created.torrent);
  // The torrent orders files as its creator walked them (sorted): follow that order.
  const content = Buffer.concat(await Promise.all(meta.files.map((f) => readFile(join(seedDir, ...f.path)))));
  return { torrentPath, torrent: created.torrent, meta, seedDir, dataPath, content, relPaths };
}

/** The standard multi-file layout of the interop tests: odd sizes, a nested folder, a tiny file. */
export function oddMultiFiles(scale = 1): FixtureFile[] {
  return [
    { path: 'a.bin', size: Math.round(3_000_001 * scale) },
    { path: 'sub/b.bin', size: Math.round(1_234_567 * scale) },
    { path: 'sub/deeper/c.txt', size: 77 },
    { path: 'd.bin', size: Math.round(555_555 * scale) },
  ];
}

/** Names of the files under `dir` that differ from (or are missing next to) the fixture's. */
export async function differingFiles(fx: Fixture, dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const rel of fx.relPaths) {
    const want = await readFile(join(fx.seedDir, rel));
    let got: Buffer;
    try {
      got = await readFile(join(dir, rel));
    } catch {
      bad.push(`${rel} (missing)`);
      continue;
    }
    if (!got.equals(want)) bad.push(`${rel} (${got.length} bytes, want ${want.length})`);
  }
  return bad;
}
