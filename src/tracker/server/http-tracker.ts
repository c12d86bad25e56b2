import { isShoalError } from '../../core/errors.js';
import { parseAnnounceQuery, parseScrapeQuery, type AnnounceRequest } from '../protocol/announce.js';
import { decodeCompactPeer, encodeCompactPeer, normalizeIp } from '../protocol/compact.js';
import { encodeAnnounceCompact, encodeAnnounceDicts, encodeFailure, encodeScrapeResponse, type PeerEntry, type ScrapeEntry } from '../protocol/http-response.js';
import { parseQuery } from '../protocol/query.js';
import type { TrackerContext } from './context.js';
import type { HttpResponse } from './http-server.js';
import type { StoreAnnounceResult } from './store/interface.js';

const TEXT = 'text/plain';

function failure(ctx: TrackerContext, reason: string): HttpResponse {
  ctx.stats.failures++;
  return { status: 200, contentType: TEXT, body: encodeFailure(reason) };
}

function message(e: unknown): string {
  return isShoalError(e) && e.code !== 'ETRACKER_STORE' ? e.message : 'internal tracker error';
}

function toEntries(peers: Uint8Array, ids: Uint8Array | undefined, alen: number, out: PeerEntry[]): void {
  for (let i = 0, o = 0; o + alen <= peers.length; i++, o += alen) {
    const p = decodeCompactPeer(peers, o, alen);
    out.push(ids ? { ...p, peerId: ids.subarray(i * 20, i * 20 + 20) } : p);
  }
}

function announceBody(ctx: TrackerContext, a: AnnounceRequest, r: StoreAnnounceResult): HttpResponse {
  const f = { complete: r.complete, incomplete: r.incomplete, downloaded: r.downloaded, interval: ctx.cfg.interval, minInterval: ctx.cfg.minInterval };
  if (a.compact) return { status: 200, contentType: TEXT, body: encodeAnnounceCompact(f, r.peers4, r.peers6) };
  const list: PeerEntry[] = [];
  toEntries(r.peers4, r.peerIds4, 6, list);
  toEntries(r.peers6, r.peerIds6, 18, list);
  return { status: 200, contentType: TEXT, body: encodeAnnounceDicts(f, list) };
}

/** GET /announce (BEP 3, 23, 7). Every refusal is a bencoded failure reason. */
export function httpAnnounce(ctx: TrackerContext, query: string, remoteAddress: string): HttpResponse | Promise<HttpResponse> {
  ctx.stats.httpAnnounces++;
  let a: AnnounceRequest;
  try {
    a = parseAnnounceQuery(parseQuery(query));
  } catch (e) {
    return failure(ctx, message(e));
  }
  if (!ctx.access.allows(a.infoHash)) return failure(ctx, 'torrent not allowed on this tracker');
  const ip = (ctx.cfg.trustIpParam && a.ip !== undefined ? normalizeIp(a.ip) : undefined) ?? normalizeIp(remoteAddress);
  if (ip === undefined) return failure(ctx, 'cannot tell your address');
  const want = Math.min(a.numWant ?? ctx.cfg.defaultNumWant, ctx.cfg.maxNumWant);
  try {
    const r = ctx.store.announce(
      {
        infoHash: a.infoHash,
        addr: encodeCompactPeer(ip, a.port),
        peerId: a.peerId,
        seeder: a.left === 0,
        event: a.event,
        want4: want,
        want6: want,
        wantPeerIds: !a.compact && !a.noPeerId,
      },
      ctx.now(),
    );
    if (r instanceof Promise) return r.then((res) => announceBody(ctx, a, res), (e: unknown) => failure(ctx, message(e)));
    return announceBody(ctx, a, r);
  } catch (e) {
    return failure(ctx, message(e));
  }
}

/** GET /scrape (BEP 48); no info_hash is a full scrape when enabled. */
export function httpScrape(ctx: TrackerContext, query: string): HttpResponse | Promise<HttpResponse> {
  ctx.stats.httpScrapes++;
  let hashes: Uint8Array[];
  try {
    hashes = parseScrapeQuery(parseQuery(query), ctx.cfg.maxScrapeHashes);
  } catch (e) {
    return failure(ctx, message(e));
  }
  const now = ctx.now();
  const done = (entries: ScrapeEntry[]): HttpResponse => ({
    status: 200,
    contentType: TEXT,
    body: encodeScrapeResponse(entries.filter((e) => ctx.access.allows(e.infoHash))),
  });
  try {
    if (hashes.length === 0) {
      if (!ctx.cfg.fullScrape) return failure(ctx, 'full scrape is disabled');
      const l = ctx.store.list(ctx.cfg.fullScrapeLimit, now);
      return l instanceof Promise ? l.then(done, (e: unknown) => failure(ctx, message(e))) : done(l);
    }
    // Duplicates would collide as dict keys; answer each hash once.
    const seen = new Set<string>();
    hashes = hashes.filter((h) => {
      const k = Buffer.from(h).toString('hex');
      return seen.has(k) ? false : (seen.add(k), true);
    });
    const s = ctx.store.scrape(hashes, now);
    const zip = (counts: { complete: number; incomplete: number; downloaded: number }[]) =>
      done(hashes.map((infoHash, i) => ({ infoHash, ...counts[i]! })));
    return s instanceof Promise ? s.then(zip, (e: unknown) => failure(ctx, message(e))) : zip(s);
  } catch (e) {
    return failure(ctx, message(e));
  }
}
