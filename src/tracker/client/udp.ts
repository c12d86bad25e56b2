import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import {
  decodeCompactPeers,
  decodeUdpResponse,
  encodeConnectRequest,
  encodeUdpAnnounceRequest,
  encodeUdpScrapeRequest,
  MAX_UDP_SCRAPE,
  type AnnounceRequest,
  type UdpResponse,
} from '../protocol/index.js';
import { TrackerClientError } from './errors.js';
import type { AnnounceResult, RequestOptions, ScrapeResult, TrackerTransport } from './types.js';

export interface UdpTransportOptions {
  /** First retransmit timeout; BEP 15 says 15 s, doubling after each try. */
  readonly baseTimeoutMs?: number;
  /** Tries before giving up (BEP 15 allows up to 9: n = 0..8). */
  readonly maxTries?: number;
}

interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly key: string;
}

interface Pending {
  readonly resolve: (r: UdpResponse) => void;
  readonly family: 4 | 6;
}

/** A connection id may be used for one minute after it was received (BEP 15). */
const CONNECTION_ID_TTL = 60_000;

/**
 * UDP tracker protocol client (BEP 15): connect, then announce or scrape, with
 * retransmission on the 15 * 2^n s schedule. One socket per address family is shared by
 * every request; responses are matched by transaction id.
 */
export class UdpTrackerTransport implements TrackerTransport {
  private readonly sockets = new Map<4 | 6, Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly connections = new Map<string, { id: Uint8Array; expires: number }>();
  private readonly baseTimeout: number;
  private readonly maxTries: number;
  private closed = false;

  constructor(opts: UdpTransportOptions = {}) {
    this.baseTimeout = opts.baseTimeoutMs ?? 15_000;
    this.maxTries = opts.maxTries ?? 4;
  }

  async announce(url: string, req: AnnounceRequest, opts: RequestOptions = {}): Promise<AnnounceResult> {
    const ep = await resolveEndpoint(url);
    const res = await this.exchange(url, ep, opts, (cid, tid) => encodeUdpAnnounceRequest(cid, tid, req, { key: keyNumber(req.key) }));
    if (res.type !== 'announce') throw new TrackerClientError(`${url}: unexpected ${res.type} response to announce`, url);
    return {
      interval: res.interval,
      peers: decodeCompactPeers(res.peers, ep.family),
      seeders: res.seeders,
      leechers: res.leechers,
    };
  }

  async scrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<ScrapeResult[]> {
    if (infoHashes.length === 0 || infoHashes.length > MAX_UDP_SCRAPE) throw new TrackerClientError(`${url}: a UDP scrape takes 1 to ${MAX_UDP_SCRAPE} info-hashes`, url);
    const ep = await resolveEndpoint(url);
    const res = await this.exchange(url, ep, opts, (cid, tid) => encodeUdpScrapeRequest(cid, tid, infoHashes));
    if (res.type !== 'scrape') throw new TrackerClientError(`${url}: unexpected ${res.type} response to scrape`, url);
    return infoHashes.map((_, i) => res.files[i] ?? { complete: 0, incomplete: 0, downloaded: 0 });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.connections.clear();
  }

  /** Connect if needed, send the request, retransmit on the BEP 15 schedule. */
  private async exchange(url: string, ep: Endpoint, opts: RequestOptions, build: (cid: Uint8Array, tid: number) => Buffer): Promise<UdpResponse> {
    const first = opts.timeoutMs ?? this.baseTimeout;
    for (let n = 0; n < this.maxTries; n++) {
      const timeout = first * 2 ** n;
      let conn = this.connections.get(ep.key);
      if (!conn || conn.expires <= Date.now()) {
        const r = await this.send(ep, timeout, opts.signal, (tid) => encodeConnectRequest(tid));
        if (r === undefined) continue;
        if (r.type === 'error') throw new TrackerClientError(`${url}: tracker says: ${r.message}`, url);
        if (r.type !== 'connect') continue;
        conn = { id: r.connectionId, expires: Date.now() + CONNECTION_ID_TTL };
        this.connections.set(ep.key, conn);
      }
      const id = conn.id;
      const r = await this.send(ep, timeout, opts.signal, (tid) => build(id, tid));
      if (r === undefined) {
        // No answer: the connection id may have expired on the tracker's side.
        this.connections.delete(ep.key);
        continue;
      }
      if (r.type === 'error') throw new TrackerClientError(`${url}: tracker says: ${r.message}`, url);
      return r;
    }
    throw new TrackerClientError(`${url}: no response after ${this.maxTries} tries`, url);
  }

  /** One request and its response, or undefined on timeout. */
  private send(ep: Endpoint, timeoutMs: number, signal: AbortSignal | undefined, build: (tid: number) => Buffer): Promise<UdpResponse | undefined> {
    if (this.closed) return Promise.reject(new TrackerClientError('UDP tracker client closed', ep.key));
    if (signal?.aborted) return Promise.reject(new TrackerClientError(`${ep.key}: aborted`, ep.key));
    let tid: number;
    do tid = randomBytes(4).readUInt32BE(0);
    while (this.pending.has(tid));
    const packet = build(tid);
    return new Promise((resolve, reject) => {
      const done = (r: UdpResponse | undefined, err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(tid);
        if (err) reject(err);
        else resolve(r);
      };
      const onAbort = (): void => done(undefined, new TrackerClientError(`${ep.key}: aborted`, ep.key));
      const timer = setTimeout(() => done(undefined), timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(tid, { resolve: (r) => done(r), family: ep.family });
      this.socket(ep.family).send(packet, ep.port, ep.address, (err) => {
        if (err) done(undefined, new TrackerClientError(`${ep.key}: ${err.message}`, ep.key));
      });
    });
  }

  private socket(family: 4 | 6): Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = createSocket(family === 4 ? 'udp4' : 'udp6');
    s.on('message', (msg) => this.onMessage(msg));
    s.on('error', () => {
      // A socket error (e.g. ICMP unreachable surfaced on some systems) is treated as a lost packet.
    });
    s.unref();
    this.sockets.set(family, s);
    return s;
  }

  private onMessage(msg: Buffer): void {
    if (msg.length < 8) return;
    const p = this.pending.get(msg.readUInt32BE(4));
    if (!p) return;
    let r: UdpResponse;
    try {
      r = decodeUdpResponse(msg, p.family);
    } catch {
      return; // malformed: ignore, the retransmit timer covers it
    }
    p.resolve(r);
  }
}

async function resolveEndpoint(url: string): Promise<Endpoint> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TrackerClientError(`not a URL: ${url}`, url);
  }
  const port = Number(u.port);
  if (u.protocol !== 'udp:' || !port) throw new TrackerClientError(`${url}: a UDP tracker URL needs udp://host:port`, url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  let address: string;
  let family: number;
  try {
    ({ address, family } = await lookup(host));
  } catch (e) {
    throw new TrackerClientError(`${url}: cannot resolve ${host} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, url);
  }
  const fam = family === 6 ? 6 : 4;
  return { address, port, family: fam, key: `${fam === 6 ? `[${address}]` : address}:${port}` };
}

/** The 32-bit `key` field of a UDP announce from the hex key string clients send over HTTP. */
function keyNumber(key: string | undefined): number {
  if (!key) return 0;
  const n = Number.parseInt(key.slice(0, 8), 16);
  return Number.isFinite(n) ? n >>> 0 : 0;
}
