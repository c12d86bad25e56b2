// Real data and .torrent files for the engine tests (built with shoal's own createTorrent).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import type { Metainfo } from '../../src/metainfo/types.js';

export interface Fixture {
  /** Folder holding the torrent's top folder (or file): the seeder's download dir. */
  readonly seedDir: string;
  readonly torrent: Buffer;
  readonly torrentPath: string;
  readonly meta: Metainfo;
}

/** Writes `files` (relative path -> size) under `root/name` with random content and makes a torrent of it. */
export async function makeFixture(root: string, name: string, files: Record<string, number>, pieceLength: number, opts: { announce?: string[]; webSeeds?: string[]; single?: boolean } = {}): Promise<Fixture> {
  const seedDir = join(root, 'seed');
  const top = join(seedDir, name);
  if (opts.single) {
    await mkdir(seedDir, { recursive: true });
    await writeFile(top, randomBytes(Object.values(files)[0]!));
  } else {
    for (const [rel, size] of Object.entries(files)) {
      const p = join(top, rel);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, randomBytes(size));
    }
  }
  const res = await createTorrent(top, { pieceLength, threads: 2, creationDate: false, ...(opts.announce && { announce: opts.announce }), ...(opts.webSeeds && { webSeeds: opts.webSeeds }) });
  const torrentPath = join(root, `${name}.torrent`);
  await writeFile(torrentPath, res.torrent);
  return { seedDir, torrent: res.torrent, torrentPath, meta: parseTorrent(res.torrent) };
}

/** Every regular file under dir, relative path -> bytes (skips .shoal). */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name === '.shoal') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(dir, p), await readFile(p));
    }
  };
  if (await stat(dir).catch(() => undefined)) await walk(dir);
  return out;
}

/** Rejects after ms: a safety net for awaited events, never a sleep. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}
