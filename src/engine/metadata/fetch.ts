import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Announcer } from '../../tracker/client/announcer.js';
import type { PeerAddress } from '../discovery.js';
import { CandidateSet, type CandidatePolicy } from '../candidates.js';
import { parseHostPort } from '../swarm.js';
import { Assembly } from './assembly.js';
import { MetadataConn } from './conn.js';
import type { MetadataConnHost, MetadataConnOptions } from './conn.js';
import { MetadataError } from './errors.js';
import type { MetadataFetchEvents, MetadataFetchOptions, MetadataProgress } from './fetch-types.js';

export type { MetadataFetchEvents, MetadataFetchOptions, MetadataPeerEvent, MetadataProgress } from './fetch-types.js';

/** Default cap on metadata_size (a peer advertising more is dropped). */
export const DEFAULT_MAX_METADATA_SIZE = 16 << 20;
/** Requests in flight per peer (metadata is small; libtorrent answers a few at a time). */
const PIPELINE = 2;
const TICK_MS = 1000;
/** Redials back off from 2 s, doubling to at most a minute; 8 failures forget an address. */
const POLICY: CandidatePolicy = {
  maxCandidates: 1000,
  maxFails: 8,
  backoffMs: (fails) => Math.min(60_000, 1000 * 2 ** fails),
};
const MAX_REJECTS = 8;
const MAX_TIMEOUTS = 3;
/** Fewer peers offering metadata than this: ask the trackers again. */
const WANT_PEERS_BELOW = 5;

/**
 * Fetches a torrent's info dictionary from peers (BEP 9) given only its info-hash: dials
 * the peers it is given or finds (trackers, discovery sources), asks every peer offering
 * ut_metadata for 16 KiB pieces, and resolves with the bytes whose SHA-1 is the info-hash.
 *
 * Pieces from several peers go into one copy per advertised size. When a complete copy
 * fails the hash check, its only contributor is banned; if several peers contributed,
 * the fetch goes on with one copy per peer so the liar shows itself. A peer advertising
 * more than `maxMetadataSize`, or sending malformed messages, is dropped. The bytes held
 * are bounded: each copy is at most its size, and copies beyond twice the cap wait.
 */
export class MetadataFetcher extends EventEmitter<MetadataFetchEvents> implements MetadataConnHost {
  private readonly infoHash: Buffer;
  private readonly maxSize: number;
  private readonly maxConns: number;
  private readonly requestTimeout: number;
  private readonly candidates = new CandidateSet<MetadataConn>(POLICY);
  /** Live connections, handshaking or ready. */
  private readonly conns = new Set<MetadataConn>();
  private readonly shared = new Map<number, Assembly<MetadataConn>>();
  private readonly own = new Map<MetadataConn, Assembly<MetadataConn>>();
  private isolate = false;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private announcer: Announcer | undefined;
  private unwatch: (() => void)[] = [];
  private settled = false;
  private result: Promise<Buffer> | undefined;
  private resolve!: (b: Buffer) => void;
  private reject!: (e: Error) => void;
  private readonly onAbort = (): void => this.fail(new MetadataError('aborted', 'metadata fetch aborted'));

  constructor(private readonly opts: MetadataFetchOptions) {
    super();
    this.infoHash = Buffer.from(opts.infoHash);
    this.maxSize = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
    this.maxConns = opts.maxConnections ?? 25;
    this.requestTimeout = opts.requestTimeoutMs ?? 10_000;
  }

  /** Starts (once) and resolves with the verified info dictionary bytes. */
  fetch(): Promise<Buffer> {
    this.result ??= this.begin();
    return this.result;
  }

  private begin(): Promise<Buffer> {
    const p = new Promise<Buffer>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    const o = this.opts;
    if (o.signal?.aborted) {
      this.onAbort();
      return p;
    }
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (o.timeoutMs !== undefined && o.timeoutMs > 0) {
      this.deadline = setTimeout(() => this.fail(new MetadataError('timeout', `no metadata after ${Math.round(o.timeoutMs! / 1000)} s (${this.describe()})`, { infoHash: this.infoHash.toString('hex') })), o.timeoutMs);
    }
    this.timer = setInterval(() => this.tick(performance.now()), TICK_MS);
    this.timer.unref();
    const now = performance.now();
    for (const s of o.peers ?? []) {
      const hp = parseHostPort(s);
      if (hp) this.candidates.add(hp.host, hp.port, true, now);
    }
    const trackers = (o.trackers ?? []).filter((u) => /^(https?|udp):\/\//i.test(u));
    if (trackers.length > 0) {
      this.announcer = new Announcer({
        tiers: trackers.map((u) => [u]),
        infoHash: this.infoHash,
        peerId: o.peerId,
        port: o.listenPort ?? 0,
        // Size unknown: any non-zero `left` marks us as a leecher.
        stats: () => ({ uploaded: 0, downloaded: 0, left: 1 }),
        onPeers: (peers) => this.addPeers(peers.map((x) => ({ host: x.ip, port: x.port }))),
        onError: (e) => this.emit('warning', `tracker: ${e.message}`),
        ...(o.minAnnounceInterval !== undefined && { minIntervalFloor: o.minAnnounceInterval }),
      });
      this.announcer.start();
    }
    for (const d of o.discovery ?? []) {
      try {
        this.unwatch.push(d.watch(this.infoHash, { port: 0, seed: false }, (peers) => this.addPeers(peers)));
      } catch (e) {
        this.emit('warning', `${d.name}: ${(e as Error).message}`);
      }
    }
    this.connectMore(now);
    return p;
  }

  /** More peers to try (any source). */
  addPeers(peers: readonly PeerAddress[]): void {
    if (this.settled) return;
    const now = performance.now();
    for (const x of peers) this.candidates.add(x.host, x.port, false, now);
    this.connectMore(now);
  }

  /** Stops: rejects a pending fetch with MetadataError('closed'). */
  close(): Promise<void> {
    if (this.result === undefined) this.settled = true;
    this.fail(new MetadataError('closed', 'metadata fetch stopped: client closed'));
    return this.cleanup();
  }

  progress(): MetadataProgress {
    const a = this.leading();
    let offering = 0;
    for (const c of this.conns) if (c.ready) offering++;
    return { known: this.candidates.size, connected: this.conns.size, offering, size: a?.size, piecesHave: a?.piecesHave ?? 0, pieceCount: a?.count ?? 0 };
  }

  private describe(): string {
    const p = this.progress();
    return `${p.known} peer${p.known === 1 ? '' : 's'} known, ${p.offering} offering metadata, ${p.piecesHave}/${p.pieceCount} pieces`;
  }

  /** The copy furthest along (for progress). */
  private leading(): Assembly<MetadataConn> | undefined {
    let best: Assembly<MetadataConn> | undefined;
    for (const a of [...this.shared.values(), ...this.own.values()]) if (!best || a.piecesHave > best.piecesHave) best = a;
    return best;
  }

  // ---- peers ----

  private connOptions(address: string): MetadataConnOptions {
    return { infoHash: this.infoHash, peerId: this.opts.peerId, listenPort: this.opts.listenPort ?? 0, maxMetadataSize: this.maxSize, address };
  }

  /**
   * A peer that dialled us for this info-hash (the client read its first 48 handshake
   * bytes, `head`, to route it here). False when the fetch is over or full: the caller
   * then closes it as it would any unknown info-hash.
   */
  accept(socket: Socket, address: string, head: Buffer): boolean {
    if (this.settled || this.conns.size >= this.maxConns) return false;
    const conn = new MetadataConn(socket, this, this.connOptions(address));
    this.conns.add(conn);
    socket.on('data', (chunk: Buffer) => conn.receive(chunk));
    conn.receive(head);
    return true;
  }

  private connectMore(now: number): void {
    if (this.settled) return;
    const room = Math.min(this.maxConns - this.conns.size, this.opts.connectionRoom?.() ?? Infinity);
    for (const cand of this.candidates.due(now, room)) {
      let conn: MetadataConn | undefined;
      let sock: Socket;
      try {
        sock = this.opts.dial(cand.host, cand.port, (chunk) => conn?.receive(chunk));
      } catch {
        this.candidates.failed(cand, now);
        continue;
      }
      conn = new MetadataConn(sock, this, this.connOptions(cand.key));
      this.candidates.attach(cand, conn);
      this.conns.add(conn);
    }
  }

  private ban(c: MetadataConn, why: string): void {
    const cand = this.candidates.of(c);
    if (cand) this.candidates.ban(cand.key);
    this.emit('warning', `dropped peer ${c.address}: ${why}`);
    c.close(why);
  }

  // ---- MetadataConnHost ----

  onReady(c: MetadataConn, size: number): void {
    if (this.settled) return;
    this.emit('peer', { type: 'connect', address: c.address, client: c.client });
    const cand = this.candidates.of(c);
    if (cand) cand.fails = 0;
    this.fill(c, performance.now());
  }

  onData(c: MetadataConn, piece: number, _total: number, data: Uint8Array): void {
    if (this.settled || !c.inflight.delete(piece)) return;
    const a = this.assemblyOf(c, false);
    if (a === undefined) return;
    if (!a.put(piece, data, c)) return this.fill(c, performance.now());
    if (a.complete) this.completed(a);
    else {
      this.emit('progress', this.progress());
      this.fillAll(performance.now());
    }
  }

  onReject(c: MetadataConn, piece: number): void {
    const now = performance.now();
    this.assemblyOf(c, false)?.release(piece, c);
    c.rejects++;
    c.coolUntil = now + 1000 * c.rejects;
    if (c.rejects > MAX_REJECTS) return c.close('keeps rejecting metadata requests');
    this.fillAll(now);
  }

  onClose(c: MetadataConn, reason: string): void {
    const now = performance.now();
    const a = this.assemblyOf(c, false);
    if (a) for (const piece of c.inflight.keys()) a.release(piece, c);
    c.inflight.clear();
    this.own.delete(c);
    this.conns.delete(c);
    this.candidates.detach(c, now, false);
    // A copy nobody offers any more is dropped (memory stays bounded by live peers).
    if (a && !this.isolate && ![...this.conns].some((x) => x.ready && x.size === a.size)) this.shared.delete(a.size);
    if (c.ready) this.emit('peer', { type: 'disconnect', address: c.address, client: c.client, reason });
    if (!this.settled) {
      this.fillAll(now);
      this.connectMore(now);
    }
  }

  // ---- requests ----

  /** The copy `c` feeds; with `create`, made when the memory budget allows. */
  private assemblyOf(c: MetadataConn, create: boolean): Assembly<MetadataConn> | undefined {
    if (!c.ready) return undefined;
    const a = this.isolate ? this.own.get(c) : this.shared.get(c.size);
    if (a !== undefined || !create) return a;
    let held = 0;
    for (const x of this.shared.values()) held += x.size;
    for (const x of this.own.values()) held += x.size;
    if (held > 0 && held + c.size > 2 * this.maxSize) return undefined;
    const made = new Assembly<MetadataConn>(c.size);
    if (this.isolate) this.own.set(c, made);
    else this.shared.set(c.size, made);
    return made;
  }

  private fill(c: MetadataConn, now: number): void {
    if (this.settled || c.closed || !c.ready || now < c.coolUntil) return;
    const a = this.assemblyOf(c, true);
    if (a === undefined) return;
    while (c.inflight.size < PIPELINE) {
      const piece = a.pick(c, c.inflight, now);
      if (piece === undefined) return;
      c.request(piece, now);
    }
  }

  private fillAll(now: number): void {
    for (const c of [...this.conns]) this.fill(c, now);
  }

  private completed(a: Assembly<MetadataConn>): void {
    if (a.matches(this.infoHash)) {
      const bytes = a.bytes();
      this.emit('progress', this.progress());
      this.settled = true;
      void this.cleanup().then(() => this.resolve(bytes));
      return;
    }
    const from = a.contributors();
    if (this.isolate) {
      for (const [c, x] of this.own) if (x === a) this.own.delete(c);
    } else this.shared.delete(a.size);
    if (from.length === 1) this.ban(from[0]!, 'sent metadata that does not match the info-hash');
    else {
      this.emit('warning', `metadata from ${from.length} peers does not match the info-hash: fetching from each peer alone`);
      this.isolate = true;
      this.shared.clear();
      for (const c of this.conns) c.inflight.clear();
    }
    this.fillAll(performance.now());
  }

  private tick(now: number): void {
    if (this.settled) return;
    for (const c of [...this.conns]) {
      if (!c.ready) continue;
      let lost = 0;
      for (const [piece, at] of c.inflight) {
        if (now - at < this.requestTimeout) continue;
        c.inflight.delete(piece);
        this.assemblyOf(c, false)?.release(piece, c);
        lost++;
      }
      if (lost > 0 && ++c.timeouts >= MAX_TIMEOUTS) c.close('metadata requests timed out');
    }
    this.fillAll(now);
    this.connectMore(now);
    if (this.announcer && this.progress().offering < WANT_PEERS_BELOW) this.announcer.wantPeers();
    this.emit('progress', this.progress());
  }

  // ---- end ----

  private fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    void this.cleanup().then(() => this.reject(e));
  }

  private cleanupDone: Promise<void> | undefined;

  /** Closes every connection, stops lookups and (bounded) tells trackers we stopped. */
  private cleanup(): Promise<void> {
    this.cleanupDone ??= (async () => {
      clearInterval(this.timer);
      clearTimeout(this.deadline);
      this.opts.signal?.removeEventListener('abort', this.onAbort);
      for (const u of this.unwatch.splice(0)) u();
      for (const c of [...this.conns]) c.close('metadata fetch finished');
      this.shared.clear();
      this.own.clear();
      await this.announcer?.stop(2000);
    })();
    return this.cleanupDone;
  }
}
