// Builds .torrent files for the tests with shoal's own encoder (no external data).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type BEncodable } from '../../src/bencode/index.js';

/** The nearest folder above this file holding package.json (works from build/ and test/). */
function findRepoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return d;
}
export const repoRoot = findRepoRoot();
export const conformanceDir = resolve(repoRoot, '../shared/conformance');
export const hasConformance = existsSync(conformanceDir);
export const conformancePath = (...p: string[]): string => join(conformanceDir, ...p);

export interface FileSpec {
  length: number;
  path?: (string | Uint8Array)[];
  attr?: string;
  symlink?: string[];
  extra?: Record<string, BEncodable>;
}

export interface TorrentSpec {
  name?: string | Uint8Array;
  pieceLength?: number;
  /** Single-file length; ignored when files is given. */
  length?: number;
  files?: FileSpec[];
  info?: Record<string, BEncodable | undefined>;
  top?: Record<string, BEncodable | undefined>;
  /** Override the piece hashes (default: the right number of made-up hashes). */
  pieces?: Uint8Array;
}

export function fakePieces(total: number, pieceLength: number): Buffer {
  const n = Math.ceil(total / pieceLength);
  const out = Buffer.alloc(n * 20);
  for (let i = 0; i < n; i++) createHash('sha1').update(`piece ${i}`).digest().copy(out, i * 20);
  return out;
}

export function infoDict(spec: TorrentSpec): Record<string, BEncodable | undefined> {
  const pieceLength = spec.pieceLength ?? 16384;
  const info: Record<string, BEncodable | undefined> = { name: spec.name ?? 'test', 'piece length': pieceLength };
  let total: number;
  if (spec.files) {
    info.files = spec.files.map((f) => ({
      length: f.length,
      ...(f.path && { path: f.path }),
      ...(f.attr && { attr: f.attr }),
      ...(f.symlink && { 'symlink path': f.symlink }),
      ...f.extra,
    }));
    total = spec.files.reduce((a, f) => a + (f.symlink ? 0 : f.length), 0);
  } else {
    info.length = spec.length ?? 1000;
    total = spec.length ?? 1000;
  }
  info.pieces = spec.pieces ?? fakePieces(total, pieceLength);
  return { ...info, ...spec.info };
}

export function makeTorrent(spec: TorrentSpec = {}): Buffer {
  return encode({ info: infoDict(spec), ...spec.top });
}

export const sha1hex = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
