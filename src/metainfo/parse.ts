/**
 * .torrent parsing (BEP 3, 12, 19, 27, 47; BEP 52 hybrids through their v1 part).
 * Decoding is lenient, as real torrents need (unsorted keys, leading zeros, trailing bytes),
 * and the info-hash is SHA-1 of the exact `info` bytes as read, never a re-encoding.
 */
import { decodeFull, isBytes, isDict, utf8, type BDict, type BValue } from '../bencode/index.js';
import { metainfoError } from './errors.js';
import { readInfo, type InfoMetainfo } from './info.js';
import type { Metainfo } from './types.js';

export type { InfoMetainfo } from './info.js';

/** Nesting limit for .torrent files (libtorrent's max_decode_depth). */
const MAX_DEPTH = 100;

function decodeLenient(buf: Uint8Array, allowTrailing: boolean): ReturnType<typeof decodeFull> {
  try {
    return decodeFull(buf, { strict: false, allowTrailing, spans: true, maxDepth: MAX_DEPTH });
  } catch (e) {
    const offset = (e as { offset?: unknown }).offset;
    throw metainfoError('invalid_bencoding', `invalid bencoding: ${(e as Error).message}`, typeof offset === 'number' ? { offset } : {}, e);
  }
}

/** Parses a whole .torrent file. Throws MetainfoError (code 'EMETAINFO' or 'EV2_UNSUPPORTED'). */
export function parseTorrent(buf: Uint8Array): Metainfo {
  const d = decodeLenient(buf, true);
  const root = d.value;
  if (!isDict(root)) throw metainfoError('not_a_dict', 'torrent file is not a dictionary');
  const info = root.get('info');
  if (!isDict(info)) throw metainfoError('missing_info', "missing or invalid 'info' section in torrent file");
  const span = d.spans!.get(info)!;
  const infoBytes = Buffer.from(buf.subarray(span[0], span[1]));
  const base = buf.byteOffset + span[0];
  const part = readInfo(info, infoBytes, (b) => infoBytes.subarray(b.byteOffset - base, b.byteOffset - base + b.length));

  const comment = text(root, 'comment');
  const createdBy = text(root, 'created by');
  const creationDate = epochSeconds(root.get('creation date'));
  return {
    ...part,
    announce: announceTiers(root),
    webSeeds: webSeeds(root.get('url-list'), part.multiFile && part.files.length > 1),
    ...(comment !== undefined && { comment }),
    ...(createdBy !== undefined && { createdBy }),
    ...(creationDate !== undefined && { creationDate }),
  };
}

/**
 * Parses a bare info dictionary (metadata received from peers, BEP 9). The info-hash is SHA-1
 * of exactly `infoBytes`; no byte may follow the dictionary. Trackers, web seeds, comment and
 * dates are not part of it: add them from the magnet link.
 */
export function parseInfoDict(infoBytes: Uint8Array): InfoMetainfo {
  const own = Buffer.from(infoBytes);
  const d = decodeLenient(own, false);
  if (!isDict(d.value)) throw metainfoError('missing_info', 'info section is not a dictionary');
  return readInfo(d.value, own, (b) => Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Largest date a JS Date can hold, in seconds. */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * `creation date` in seconds. Some creators wrote milliseconds (webtorrent fixtures): values
 * of 1e11 and more (past the year 5000 in seconds) are read as milliseconds. Negative,
 * fractional or unrepresentable values are dropped.
 */
function epochSeconds(v: BValue | undefined): number | undefined {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return undefined;
  const s = v >= 1e11 ? Math.floor(v / 1000) : v;
  return s <= MAX_DATE_SECONDS ? s : undefined;
}

function text(d: BDict, key: string): string | undefined {
  const v = d.get(`${key}.utf-8`) ?? d.get(key);
  return isBytes(v) ? utf8(v) : undefined;
}

/** A trimmed, non-empty URL without control characters (CR/LF could split an HTTP request). */
function url(v: BValue): string | undefined {
  if (!isBytes(v)) return undefined;
  const s = utf8(v).trim();
  return s === '' || /[\x00-\x1f\x7f]/.test(s) ? undefined : s;
}

/** BEP 12: announce-list tiers (empty and invalid tiers dropped, URLs deduplicated), else [[announce]]. */
export function announceTiers(root: BDict): string[][] {
  const seen = new Set<string>();
  const tiers: string[][] = [];
  const list = root.get('announce-list');
  if (Array.isArray(list)) {
    for (const t of list) {
      const tier: string[] = [];
      for (const item of Array.isArray(t) ? t : [t]) {
        const u = url(item);
        if (u !== undefined && !seen.has(u)) {
          seen.add(u);
          tier.push(u);
        }
      }
      if (tier.length > 0) tiers.push(tier);
    }
  }
  if (tiers.length === 0) {
    const a = root.get('announce');
    const u = a === undefined ? undefined : url(a);
    if (u !== undefined) tiers.push([u]);
  }
  return tiers;
}

/** Percent-encodes what may not appear in a URL as is (spaces, non-ASCII), keeping existing escapes. */
function escapeUrl(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g, (m) => encodeURIComponent(m));
}

/**
 * BEP 19 url-list, a string or a list: entries trimmed, unsafe characters escaped, empty and
 * non-string ones dropped, duplicates removed. For a multi-file torrent with more than one
 * file a URL names a folder, so it gets a trailing '/' (as libtorrent does).
 */
export function webSeeds(v: BValue | undefined, folder: boolean): string[] {
  const out = new Set<string>();
  for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
    let u = url(item);
    if (u === undefined) continue;
    u = escapeUrl(u);
    if (folder && !u.endsWith('/')) u += '/';
    out.add(u);
  }
  return [...out];
}
