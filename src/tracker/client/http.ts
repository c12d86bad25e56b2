import { buildAnnounceUrl, buildScrapeUrl, decodeAnnounceResponse, decodeScrapeResponse, scrapeUrlOf, type AnnounceRequest } from '../protocol/index.js';
import { TrackerClientError } from './errors.js';
import type { AnnounceResult, RequestOptions, ScrapeResult, TrackerTransport } from './types.js';

/** Responses larger than this are refused: a tracker has no reason to send megabytes. */
const MAX_RESPONSE = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT = 15_000;

/** HTTP(S) announce (BEP 3, BEP 23 compact, BEP 7 peers6) and scrape (BEP 48). */
export class HttpTrackerTransport implements TrackerTransport {
  async announce(url: string, req: AnnounceRequest, opts: RequestOptions = {}): Promise<AnnounceResult> {
    const body = await get(buildAnnounceUrl(url, req), url, opts);
    let res;
    try {
      res = decodeAnnounceResponse(body);
    } catch (e) {
      throw new TrackerClientError(`${url}: invalid announce response: ${(e as Error).message}`, url);
    }
    if (res.type === 'failure') throw new TrackerClientError(`${url}: tracker says: ${res.reason}`, url, res.retryIn);
    return {
      interval: res.interval,
      minInterval: res.minInterval,
      peers: res.peers.map((p) => ({ ip: p.ip, port: p.port })),
      seeders: res.complete,
      leechers: res.incomplete,
      warning: res.warning,
      trackerId: res.trackerId,
    };
  }

  async scrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<ScrapeResult[]> {
    const scrapeUrl = scrapeUrlOf(url);
    if (!scrapeUrl) throw new TrackerClientError(`${url}: this tracker has no scrape URL`, url);
    const body = await get(buildScrapeUrl(scrapeUrl, infoHashes), url, opts);
    let res;
    try {
      res = decodeScrapeResponse(body);
    } catch (e) {
      throw new TrackerClientError(`${url}: invalid scrape response: ${(e as Error).message}`, url);
    }
    if (res.type === 'failure') throw new TrackerClientError(`${url}: tracker says: ${res.reason}`, url);
    return infoHashes.map((h) => {
      const f = res.files.find((e) => Buffer.compare(e.infoHash, h) === 0);
      return { complete: f?.complete ?? 0, incomplete: f?.incomplete ?? 0, downloaded: f?.downloaded ?? 0 };
    });
  }
}

async function get(full: string, url: string, opts: RequestOptions): Promise<Buffer> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(full, { signal, redirect: 'follow', headers: { 'user-agent': 'shoal' } });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = timeout.aborted ? 'timed out' : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new TrackerClientError(`${url}: ${why}`, url);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new TrackerClientError(`${url}: HTTP ${res.status}`, url);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_RESPONSE) throw new TrackerClientError(`${url}: response larger than ${MAX_RESPONSE} bytes`, url);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof TrackerClientError) throw e;
    throw new TrackerClientError(`${url}: ${timeout.aborted ? 'timed out' : (e as Error).message}`, url);
  }
  return Buffer.concat(chunks);
}
