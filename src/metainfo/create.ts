/**
 * `createTorrent`: walks a file or folder (walk.ts), hashes its pieces on every core
 * (hasher.ts) and returns the .torrent bytes. With the same content and piece length and
 * no optional fields, the info dictionary is byte-identical to mktorrent 1.1's, so the
 * info-hash is the same.
 */
import { createHash } from 'node:crypto';
import { encode, type BEncodable } from '../bencode/index.js';
import { InfoHash } from '../core/infohash.js';
import { shoalVersion } from '../core/version.js';
import { CreateError } from './create-errors.js';
import { hashPieces, type HashSource } from './hasher.js';
import { walkInput } from './walk.js';

export { CreateError } from './create-errors.js';

export interface CreateOptions {
  /** Each entry is a tier (BEP 12) or a single URL; the first URL is also `announce`. */
  announce?: (string | string[])[];
  /** BEP 19 web seeds (`url-list`). */
  webSeeds?: string[];
  /** Power of two, 16 KiB to 256 MiB; default `choosePieceLength(total)`. */
  pieceLength?: number;
  private?: boolean;
  comment?: string;
  /** Torrent name; default the basename of the path. */
  name?: string;
  /** Default 'shoal/<version>'. */
  createdBy?: string;
  /** Seconds since the epoch; default now; false = omit. */
  creationDate?: number | false;
  /** Called at most every ~100 ms while hashing, and once at the end with hashedBytes == totalBytes. */
  onProgress?: (hashedBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Hashing threads; default os.availableParallelism(). */
  threads?: number;
}

export interface CreateResult {
  /** The .torrent bytes. */
  torrent: Buffer;
  infoHash: InfoHash;
  name: string;
  totalLength: number;
  pieceLength: number;
  pieceCount: number;
  fileCount: number;
}

/** Smallest and largest piece length `createTorrent` accepts: 16 KiB (one BEP 3 block) to 2^28 (mktorrent's -l 28). */
export const MIN_PIECE_LENGTH = 1 << 14;
export const MAX_PIECE_LENGTH = 1 << 28;

/**
 * A piece length for `totalBytes` of data: the smallest power of two from 16 KiB to 16 MiB
 * that gives at most 2,000 pieces (so between 1,000 and 2,000 unless clamped).
 */
export function choosePieceLength(totalBytes: number): number {
  let len = MIN_PIECE_LENGTH;
  while (len < 1 << 24 && Math.ceil(totalBytes / len) > 2000) len *= 2;
  return len;
}

function checkPieceLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < MIN_PIECE_LENGTH || n > MAX_PIECE_LENGTH || (n & (n - 1)) !== 0) {
    throw new CreateError(
      'EPIECE_LENGTH',
      `piece length must be a power of two from 16 KiB (2^14) to 256 MiB (2^28), got ${n}`,
      { pieceLength: n },
    );
  }
}

function tiersOf(announce: readonly (string | readonly string[])[]): string[][] {
  const tiers = announce.map((t) => (typeof t === 'string' ? [t] : [...t])).filter((t) => t.length > 0);
  for (const t of tiers) {
    for (const url of t) {
      if (typeof url !== 'string' || url.length === 0) throw new CreateError('EOPTIONS', 'announce URLs must be non-empty strings');
    }
  }
  return tiers;
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new CreateError('EOPTIONS', `invalid torrent name ${JSON.stringify(name)}`, { name });
  }
}

export async function createTorrent(path: string, opts: CreateOptions = {}): Promise<CreateResult> {
  if (opts.pieceLength !== undefined) checkPieceLength(opts.pieceLength);
  if (opts.name !== undefined) checkName(opts.name);
  const tiers = tiersOf(opts.announce ?? []);
  const date = opts.creationDate ?? Math.floor(Date.now() / 1000);
  if (date !== false && !Number.isSafeInteger(date)) throw new CreateError('EOPTIONS', `creation date must be whole seconds, got ${date}`);

  const walked = await walkInput(path, opts.signal);
  const name = opts.name ?? walked.name;
  checkName(name); // e.g. the root folder '/' has no name: pass one
  const sources: HashSource[] = [];
  let total = 0;
  for (const f of walked.files) {
    sources.push({ path: f.abs, offset: total, length: f.length });
    total += f.length;
  }
  if (total === 0) throw new CreateError('EEMPTY', `nothing to share in ${path}: no data (only empty files or none)`, { path });
  if (!Number.isSafeInteger(total)) throw new CreateError('EINPUT', `input too large: ${total} bytes`, { path });
  const pieceLength = opts.pieceLength ?? choosePieceLength(total);
  const onProgress = opts.onProgress;

  const { digests } = await hashPieces({
    files: sources,
    pieceLength,
    totalLength: total,
    // This thread hashes too: one worker fewer to start, and hashing begins at once.
    inline: true,
    ...(opts.threads !== undefined && { threads: opts.threads }),
    ...(opts.signal && { signal: opts.signal }),
    ...(onProgress && { onProgress: (n: number) => onProgress(n, total) }),
  });
  onProgress?.(total, total);

  const info = new Map<string, BEncodable>();
  if (walked.multiFile) {
    info.set('files', walked.files.map((f) => ({ length: f.length, path: f.components })));
  } else {
    info.set('length', total);
  }
  info.set('name', Buffer.from(name, 'utf8'));
  info.set('piece length', pieceLength);
  info.set('pieces', digests);
  if (opts.private) info.set('private', 1);
  const infoBytes = encode(info);

  const urls = tiers.flat();
  const webSeeds = opts.webSeeds ?? [];
  const torrent = encode({
    announce: urls[0],
    'announce-list': urls.length > 1 ? tiers : undefined,
    comment: opts.comment,
    'created by': opts.createdBy ?? (shoalVersion() ? `shoal/${shoalVersion()}` : 'shoal'),
    'creation date': date === false ? undefined : date,
    info,
    'url-list': webSeeds.length > 0 ? webSeeds : undefined,
  });
  return {
    torrent,
    infoHash: InfoHash.fromBytes(createHash('sha1').update(infoBytes).digest()),
    name,
    totalLength: total,
    pieceLength,
    pieceCount: digests.length / 20,
    fileCount: walked.files.length,
  };
}
