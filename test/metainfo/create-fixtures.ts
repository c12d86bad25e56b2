// Shared helpers for the create/verify tests: temp trees, deterministic data, and a plain
// single-threaded reference for piece hashes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeFull, type BDict, type BValue } from '../../src/bencode/index.js';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'shoal-create-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (relative path -> content or byte count of random data) under root; returns the contents. */
export function writeTree(root: string, spec: Record<string, Buffer | string | number>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [rel, v] of Object.entries(spec)) {
    const data = typeof v === 'number' ? randomBytes(v) : Buffer.from(v);
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    out.set(rel, data);
  }
  return out;
}

/** SHA-1 of each pieceLength slice of data, concatenated (the reference the workers must match). */
export function referencePieces(data: Buffer, pieceLength: number): Buffer {
  const parts: Buffer[] = [];
  for (let p = 0; p < data.length; p += pieceLength) {
    parts.push(createHash('sha1').update(data.subarray(p, p + pieceLength)).digest());
  }
  return Buffer.concat(parts);
}

export interface SplitTorrent {
  root: BDict;
  info: BDict;
  /** The raw bytes of the info dictionary as written. */
  infoBytes: Buffer;
}

/** Decodes a .torrent and cuts the raw info span. */
export function splitTorrent(torrent: Buffer): SplitTorrent {
  const d = decodeFull(torrent, { spans: true });
  const root = d.value as BDict;
  const info = root.get('info') as BDict;
  const span = d.spans!.get(info)!;
  return { root, info, infoBytes: torrent.subarray(span[0], span[1]) };
}

export function sha1hex(b: Uint8Array): string {
  return createHash('sha1').update(b).digest('hex');
}

export function text(v: BValue | undefined): string {
  return Buffer.from(v as Uint8Array).toString('utf8');
}
