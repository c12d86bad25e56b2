import { decode } from '../../bencode/decode.js';
import { encode } from '../../bencode/encode.js';
import { getBytes, getDict, getInt, getList, getString, isBytes, isDict } from '../../bencode/access.js';
import type { BDict } from '../../bencode/types.js';
import { COMPACT4, COMPACT6, decodeCompactPeer, decodeCompactPeers, type PeerAddress } from './compact.js';
import { TrackerProtocolError } from './errors.js';

/** Swarm counters a tracker reports (BEP 3 announce extras, BEP 48 scrape). */
export interface SwarmCounts {
  /** Seeders. */
  readonly complete: number;
  /** Leechers. */
  readonly incomplete: number;
  /** Times a peer announced `completed`. */
  readonly downloaded: number;
}

export interface AnnounceResponseFields extends SwarmCounts {
  readonly interval: number;
  readonly minInterval?: number | undefined;
}

export interface PeerEntry extends PeerAddress {
  readonly peerId?: Uint8Array | undefined;
}

/** What a client reads from an announce response. */
export type AnnounceResponse =
  | { readonly type: 'failure'; readonly reason: string; readonly retryIn?: number | undefined }
  | {
      readonly type: 'ok';
      readonly interval: number;
      readonly minInterval?: number | undefined;
      readonly complete?: number | undefined;
      readonly incomplete?: number | undefined;
      readonly downloaded?: number | undefined;
      readonly peers: PeerEntry[];
      readonly warning?: string | undefined;
      readonly trackerId?: string | undefined;
    };

const A = (s: string) => Buffer.from(s, 'latin1');

/**
 * A compact announce response (BEP 23 `peers`, BEP 7 `peers6`), built directly as bytes;
 * keys in bencode order. `peers6` is omitted when empty.
 */
export function encodeAnnounceCompact(f: AnnounceResponseFields, peers4: Uint8Array, peers6: Uint8Array): Buffer {
  let head = `d8:completei${f.complete}e10:downloadedi${f.downloaded}e10:incompletei${f.incomplete}e8:intervali${f.interval}e`;
  if (f.minInterval !== undefined) head += `12:min intervali${f.minInterval}e`;
  head += `5:peers${peers4.length}:`;
  const mid = peers6.length > 0 ? `6:peers6${peers6.length}:` : '';
  const out = Buffer.allocUnsafe(head.length + peers4.length + mid.length + peers6.length + 1);
  let o = out.write(head, 0, 'latin1');
  out.set(peers4, o);
  o += peers4.length;
  if (mid) {
    o += out.write(mid, o, 'latin1');
    out.set(peers6, o);
    o += peers6.length;
  }
  out[o] = 0x65; // 'e'
  return out;
}

/** A BEP 3 non-compact response: `peers` is a list of {ip, port[, peer id]} dictionaries. */
export function encodeAnnounceDicts(f: AnnounceResponseFields, peers: readonly PeerEntry[]): Buffer {
  const list = peers.map((p) => {
    const d = new Map<string, Uint8Array | string | number>([['ip', p.ip]]);
    if (p.peerId) d.set('peer id', p.peerId);
    d.set('port', p.port);
    return d;
  });
  const d: Record<string, unknown> = {
    complete: f.complete,
    downloaded: f.downloaded,
    incomplete: f.incomplete,
    interval: f.interval,
    peers: list,
  };
  if (f.minInterval !== undefined) d['min interval'] = f.minInterval;
  return encode(d as Parameters<typeof encode>[0]);
}

/** `d14:failure reason…e`, with an optional BEP 31 `retry in` (minutes). */
export function encodeFailure(reason: string, retryIn?: number): Buffer {
  const d: Record<string, string | number> = { 'failure reason': reason };
  if (retryIn !== undefined) d['retry in'] = retryIn;
  return encode(d);
}

const RESPONSE_LIMITS = { strict: false, maxDepth: 8, maxItems: 100_000 } as const;

function root(buf: Uint8Array): BDict {
  let v;
  try {
    v = decode(buf, RESPONSE_LIMITS);
  } catch (e) {
    throw new TrackerProtocolError('bad_response', `tracker response is not bencoded: ${(e as Error).message}`);
  }
  if (!isDict(v)) throw new TrackerProtocolError('bad_response', 'tracker response is not a dictionary');
  return v;
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TrackerProtocolError) throw e;
    throw new TrackerProtocolError('bad_response', (e as Error).message);
  }
}

/** Reads an HTTP announce response (compact, non-compact, peers6, failure). */
export function decodeAnnounceResponse(buf: Uint8Array): AnnounceResponse {
  const d = root(buf);
  return wrap(() => {
    const failure = getString(d, 'failure reason');
    if (failure !== undefined) {
      const r = d.get('retry in');
      return { type: 'failure', reason: failure, retryIn: typeof r === 'number' ? r : undefined };
    }
    const interval = getInt(d, 'interval');
    if (interval === undefined) throw new TrackerProtocolError('bad_response', 'announce response has no interval');
    const peers: PeerEntry[] = [];
    const p = d.get('peers');
    if (isBytes(p)) {
      // Lenient on a trailing partial entry, as clients are.
      for (let o = 0; o + COMPACT4 <= p.length; o += COMPACT4) peers.push(decodeCompactPeer(p, o, COMPACT4));
    } else if (Array.isArray(p)) {
      for (const e of getList(d, 'peers') ?? []) {
        if (!isDict(e)) continue;
        const ip = getString(e, 'ip');
        const port = getInt(e, 'port');
        if (ip === undefined || port === undefined || port < 0 || port > 65535) continue;
        peers.push({ ip, port, peerId: getBytes(e, 'peer id') });
      }
    } else if (p !== undefined) {
      throw new TrackerProtocolError('bad_response', 'peers must be a string or a list');
    }
    const p6 = getBytes(d, 'peers6');
    if (p6) peers.push(...decodeCompactPeers(p6.subarray(0, p6.length - (p6.length % COMPACT6)), 6));
    return {
      type: 'ok',
      interval,
      minInterval: getInt(d, 'min interval'),
      complete: getInt(d, 'complete'),
      incomplete: getInt(d, 'incomplete'),
      downloaded: getInt(d, 'downloaded'),
      peers,
      warning: getString(d, 'warning message'),
      trackerId: getString(d, 'tracker id'),
    };
  });
}

export interface ScrapeEntry extends SwarmCounts {
  readonly infoHash: Uint8Array;
}

/** BEP 48 scrape response: `d5:filesd<20-byte hash>d8:completei…e10:downloadedi…e10:incompletei…eee`. */
export function encodeScrapeResponse(entries: readonly ScrapeEntry[]): Buffer {
  // Keys of `files` must be sorted byte-wise for canonical bencode.
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.infoHash, b.infoHash));
  const parts: Buffer[] = [A('d5:filesd')];
  for (const e of sorted) {
    parts.push(A('20:'), Buffer.from(e.infoHash), A(`d8:completei${e.complete}e10:downloadedi${e.downloaded}e10:incompletei${e.incomplete}ee`));
  }
  parts.push(A('ee'));
  return Buffer.concat(parts);
}

export type ScrapeResponse =
  | { readonly type: 'failure'; readonly reason: string }
  | { readonly type: 'ok'; readonly files: ScrapeEntry[] };

export function decodeScrapeResponse(buf: Uint8Array): ScrapeResponse {
  const d = root(buf);
  return wrap(() => {
    const failure = getString(d, 'failure reason');
    if (failure !== undefined) return { type: 'failure', reason: failure };
    const files = getDict(d, 'files');
    if (!files) throw new TrackerProtocolError('bad_response', 'scrape response has no files dictionary');
    const out: ScrapeEntry[] = [];
    for (const [k, v] of files) {
      if (k.length !== 20 || !isDict(v)) continue;
      out.push({ infoHash: Buffer.from(k, 'latin1'), complete: getInt(v, 'complete') ?? 0, incomplete: getInt(v, 'incomplete') ?? 0, downloaded: getInt(v, 'downloaded') ?? 0 });
    }
    return { type: 'ok', files: out };
  });
}
