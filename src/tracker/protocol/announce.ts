import { TrackerProtocolError } from './errors.js';
import { buildQuery, type Query } from './query.js';

/** BEP 3 events; the UDP codes (BEP 15) are the index in UDP_EVENTS. */
export type AnnounceEvent = 'none' | 'completed' | 'started' | 'stopped';
export const UDP_EVENTS: readonly AnnounceEvent[] = ['none', 'completed', 'started', 'stopped'];

/** One announce, as both the HTTP and the UDP codec carry it. */
export interface AnnounceRequest {
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  readonly port: number;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
  readonly event: AnnounceEvent;
  /** Peers wanted; undefined means "tracker default". */
  readonly numWant: number | undefined;
  /** BEP 23 compact=1 preferred (advisory). Default true. */
  readonly compact: boolean;
  /** BEP 3 no_peer_id: omit peer ids in a non-compact list. */
  readonly noPeerId: boolean;
  readonly key?: string | undefined;
  /** The `ip` parameter as sent (a tracker uses it only if configured to). */
  readonly ip?: string | undefined;
  readonly trackerId?: string | undefined;
}

const MAX_NUMWANT_PARAM = 1_000_000;

function one(q: Query, key: string): string | undefined {
  const v = q.get(key);
  return v === undefined ? undefined : v[0];
}

function bytes20(q: Query, key: string, reason: 'bad_info_hash' | 'bad_peer_id'): Uint8Array {
  const v = one(q, key);
  if (v === undefined) throw new TrackerProtocolError('missing_param', `missing ${key}`);
  if (v.length !== 20) throw new TrackerProtocolError(reason, `${key} must be 20 bytes, got ${v.length}`);
  return Buffer.from(v, 'latin1');
}

/** A non-negative decimal integer parameter (at most 20 digits); `def` when absent. */
function uint(q: Query, key: string, def?: number): number {
  const v = one(q, key);
  if (v === undefined || v === '') {
    if (def === undefined) throw new TrackerProtocolError('missing_param', `missing ${key}`);
    return def;
  }
  if (v.length > 20 || !/^\d+$/.test(v)) throw new TrackerProtocolError('bad_param', `${key} must be a non-negative integer`);
  return Number(v);
}

/** Parses a BEP 3 announce query (already split by parseQuery). Throws TrackerProtocolError. */
export function parseAnnounceQuery(q: Query): AnnounceRequest {
  const infoHash = bytes20(q, 'info_hash', 'bad_info_hash');
  const peerId = bytes20(q, 'peer_id', 'bad_peer_id');
  const port = uint(q, 'port');
  if (port < 1 || port > 65535) throw new TrackerProtocolError('bad_port', `port must be 1..65535, got ${port}`);
  const uploaded = uint(q, 'uploaded', 0);
  const downloaded = uint(q, 'downloaded', 0);
  const left = uint(q, 'left');
  let event: AnnounceEvent = 'none';
  const ev = one(q, 'event');
  if (ev === 'started' || ev === 'completed' || ev === 'stopped') event = ev;
  else if (ev !== undefined && ev !== '' && ev !== 'empty' && ev !== 'paused') {
    throw new TrackerProtocolError('bad_param', `unknown event ${JSON.stringify(ev.slice(0, 32))}`);
  }
  let numWant: number | undefined;
  const nw = one(q, 'numwant');
  if (nw !== undefined && nw !== '') {
    if (!/^-?\d{1,12}$/.test(nw)) throw new TrackerProtocolError('bad_param', 'numwant must be an integer');
    const n = Number(nw);
    numWant = n < 0 ? undefined : Math.min(n, MAX_NUMWANT_PARAM);
  }
  const compact = one(q, 'compact') !== '0';
  const noPeerId = one(q, 'no_peer_id') === '1';
  return { infoHash, peerId, port, uploaded, downloaded, left, event, numWant, compact, noPeerId, key: one(q, 'key'), ip: one(q, 'ip'), trackerId: one(q, 'trackerid') };
}

/** The full announce URL for `req` on a tracker's announce URL (keeps its own query, e.g. a passkey). */
export function buildAnnounceUrl(announceUrl: string, req: AnnounceRequest): string {
  const pairs: [string, Uint8Array | string | number][] = [
    ['info_hash', req.infoHash],
    ['peer_id', req.peerId],
    ['port', req.port],
    ['uploaded', req.uploaded],
    ['downloaded', req.downloaded],
    ['left', req.left],
    ['compact', req.compact ? 1 : 0],
  ];
  if (req.noPeerId) pairs.push(['no_peer_id', 1]);
  if (req.event !== 'none') pairs.push(['event', req.event]);
  if (req.numWant !== undefined) pairs.push(['numwant', req.numWant]);
  if (req.key !== undefined) pairs.push(['key', req.key]);
  if (req.ip !== undefined) pairs.push(['ip', req.ip]);
  if (req.trackerId !== undefined) pairs.push(['trackerid', req.trackerId]);
  return announceUrl + (announceUrl.includes('?') ? '&' : '?') + buildQuery(pairs);
}

/** Parses the info_hash list of a BEP 48 scrape query; an empty list means "full scrape". */
export function parseScrapeQuery(q: Query, maxHashes = 128): Uint8Array[] {
  const hs = q.get('info_hash') ?? [];
  if (hs.length > maxHashes) throw new TrackerProtocolError('too_many_params', `more than ${maxHashes} info_hash values`);
  return hs.map((h) => {
    if (h.length !== 20) throw new TrackerProtocolError('bad_info_hash', `info_hash must be 20 bytes, got ${h.length}`);
    return Buffer.from(h, 'latin1');
  });
}

/**
 * BEP 48: the scrape URL of an announce URL (the last path segment must start with
 * "announce", which becomes "scrape"); undefined when the tracker has none.
 */
export function scrapeUrlOf(announceUrl: string): string | undefined {
  const q = announceUrl.indexOf('?');
  const path = q < 0 ? announceUrl : announceUrl.slice(0, q);
  const slash = path.lastIndexOf('/');
  if (slash < 0 || !path.startsWith('announce', slash + 1)) return undefined;
  return `${path.slice(0, slash + 1)}scrape${path.slice(slash + 9)}${q < 0 ? '' : announceUrl.slice(q)}`;
}

/** The scrape URL for some info-hashes (none: a full scrape). */
export function buildScrapeUrl(scrapeUrl: string, infoHashes: readonly Uint8Array[]): string {
  if (infoHashes.length === 0) return scrapeUrl;
  return scrapeUrl + (scrapeUrl.includes('?') ? '&' : '?') + buildQuery(infoHashes.map((h) => ['info_hash', h] as const));
}
