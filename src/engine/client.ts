import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { parseTorrent } from '../metainfo/parse.js';
import type { Metainfo } from '../metainfo/types.js';
import { CacheBudget } from '../storage/cache.js';
import { FsStorage } from '../storage/fs.js';
import { EngineError } from './engine-errors.js';
import { SchedulerError } from './errors.js';
import type { Magnet } from '../metainfo/magnet.js';
import { addMagnet, fetchMagnet } from './metadata/magnet.js';
import type { MetadataFetcher } from './metadata/fetch.js';
import { isMagnetSource, parseMagnetSource } from './metadata/source.js';
import type { AddMagnetOptions, MagnetOptions, MetadataResult } from './metadata/types.js';
import { BandwidthScheduler, RateLimiter, UploadSlots } from './limits.js';
import type { RateLimits } from './limits.js';
import { HANDSHAKE_INFO_HASH_END } from '../wire/handshake.js';
import { PeerConnection } from './peer.js';
import { DEFAULT_IN_FLIGHT_BYTES } from './picker/core.js';
import { checkExisting } from './startup.js';
import { plainIp } from './swarm.js';
import { Torrent } from './torrent.js';
import type { ClientLink } from './torrent.js';
import type { AddOptions, ClientOptions, TorrentSource } from './types.js';

const TICK_MS = 1000;
/** An incoming peer must name its info-hash within this time. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Read buffer of an outgoing connection. */
const READ_BUFFER = 256 << 10;

/** '-SH0100-' followed by 12 random alphanumerics (Azureus style). */
export function makePeerId(): Buffer {
  const abc = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const r = randomBytes(12);
  let s = '-SH0100-';
  for (const b of r) s += abc[b % abc.length];
  return Buffer.from(s, 'latin1');
}

function isMetainfo(x: TorrentSource): x is Metainfo {
  return typeof x === 'object' && !(x instanceof Uint8Array) && 'infoHash' in x && 'pieces' in x;
}

/**
 * A BitTorrent client: one TCP listener shared by its torrents (incoming handshakes are
 * routed by info-hash), a connection budget, and the one-second scheduler tick.
 *
 * ```ts
 * const client = new Client({ port: 6881 });
 * const t = await client.add('file.torrent', { path: '/downloads' });
 * t.on('progress', (p) => …);
 * await t.whenDone();
 * await client.close();
 * ```
 */
export class Client {
  /** Our 20-byte peer id. */
  readonly peerId: Buffer;
  private readonly opts: ClientOptions;
  private readonly torrents = new Map<string, Torrent>();
  /** The seeding read cache's budget, shared by every torrent (ClientOptions.cacheBytes). */
  private readonly cacheBudget: CacheBudget;
  private readonly server: Server | undefined;
  private readonly listening: Promise<number>;
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;
  private port = 0;
  private closed = false;
  private readonly link: ClientLink;
  /** Magnet links whose metadata is being fetched, by hex info-hash. */
  private readonly fetches = new Map<string, MetadataFetcher>();
  private readonly bandwidth = new BandwidthScheduler();
  private readonly downLimit: RateLimiter;
  private readonly upLimit: RateLimiter;
  private readonly slots: UploadSlots;

  constructor(opts: ClientOptions = {}) {
    this.opts = opts;
    this.cacheBudget = new CacheBudget(opts.cacheBytes ?? 64 << 20);
    const t0 = performance.now();
    this.downLimit = new RateLimiter(undefined, opts.downloadLimit ?? 0, t0);
    this.upLimit = new RateLimiter(undefined, opts.uploadLimit ?? 0, t0);
    this.slots = new UploadSlots(opts.maxUploadSlots ?? Infinity);
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.link = {
      get peerId() {
        return self.peerId;
      },
      get listenPort() {
        return self.port;
      },
      get uploadSlots() {
        return self.opts.uploadSlots ?? 4;
      },
      get minAnnounceInterval() {
        return self.opts.minAnnounceInterval;
      },
      get discovery() {
        return self.opts.discovery ?? [];
      },
      bandwidth: this.bandwidth,
      downLimit: this.downLimit,
      upLimit: this.upLimit,
      slots: this.slots,
      connectionRoom: () => (self.opts.maxConnections ?? 200) - self.sockets.size,
      dial: (host, port, onChunk) => {
        // Reads land in one reused buffer per connection (no allocation per chunk): the wire
        // decoder copies whatever it keeps, blocks are copied into their piece at once.
        const s = connect({ host, port, noDelay: true, onread: { buffer: Buffer.allocUnsafeSlow(READ_BUFFER), callback: (n: number, buf: Uint8Array) => (onChunk((buf as Buffer).subarray(0, n)), true) } });
        self.track(s);
        return s;
      },
      removeTorrent: (t) => {
        if (self.torrents.get(t.id) === t) self.torrents.delete(t.id);
      },
    };
    if (opts.peerId !== undefined) {
      const id = typeof opts.peerId === 'string' ? Buffer.from(opts.peerId, 'latin1') : Buffer.from(opts.peerId);
      if (id.length !== 20) throw new EngineError('source', `peer id must be 20 bytes, got ${id.length}`);
      this.peerId = id;
    } else this.peerId = makePeerId();
    if (opts.noListen) {
      this.listening = Promise.resolve(0);
    } else {
      const server = createServer({ noDelay: true }, (s) => this.incoming(s));
      this.server = server;
      this.listening = this.listen(server);
      // An unawaited failure is reported by add()/listen(); keep it from being unhandled.
      this.listening.catch(() => {});
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private listen(server: Server): Promise<number> {
    const port = this.opts.port ?? 0;
    const tryHost = (host: string): Promise<number> =>
      new Promise((res, rej) => {
        const onErr = (e: Error): void => rej(e);
        server.once('error', onErr);
        server.listen({ port, host, ipv6Only: false }, () => {
          server.off('error', onErr);
          const a = server.address();
          res(typeof a === 'object' && a !== null ? a.port : port);
        });
      });
    const host = this.opts.host;
    const p = host !== undefined ? tryHost(host) : tryHost('::').catch((e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? Promise.reject(e) : tryHost('0.0.0.0')));
    return p.then(
      (n) => {
        this.port = n;
        return n;
      },
      (e: Error) => {
        throw new EngineError('listen', `cannot listen on port ${port}: ${e.message}`, { port }, { cause: e });
      },
    );
  }

  /** Bytes of pieces in the seeding read cache, all torrents together (at most ClientOptions.cacheBytes). */
  get cachedBytes(): number {
    return this.cacheBudget.bytes;
  }

  /** Resolves with the bound port once listening (0 with noListen). */
  ready(): Promise<number> {
    return this.listening;
  }

  /** The bound port (0 before ready()). */
  get listenPort(): number {
    return this.port;
  }

  /** Torrents added and not closed. */
  get list(): Torrent[] {
    return [...this.torrents.values()];
  }

  /** A torrent by hex info-hash. */
  get(infoHash: string): Torrent | undefined {
    return this.torrents.get(infoHash.toLowerCase());
  }

  /** Connections open now, over all torrents. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Global rate limits in bytes/s (0 = unlimited); every torrent's own limits apply too. */
  setRateLimits(limits: RateLimits): void {
    const now = performance.now();
    if (limits.download !== undefined) this.downLimit.setLimit(limits.download, now);
    if (limits.upload !== undefined) this.upLimit.setLimit(limits.upload, now);
    this.bandwidth.kick();
  }

  /** Global rate limits in bytes/s (0 = unlimited). */
  get rateLimits(): { download: number; upload: number } {
    return { download: this.downLimit.limit, upload: this.upLimit.limit };
  }

  /** Peers unchoked over all torrents at most (Infinity = no global cap). */
  get maxUploadSlots(): number {
    return this.slots.cap;
  }

  set maxUploadSlots(n: number) {
    if (!(n >= 0)) throw new SchedulerError('maxUploadSlots must be >= 0', { maxUploadSlots: n });
    this.slots.cap = n;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private incoming(s: Socket): void {
    if (this.closed || this.sockets.size >= (this.opts.maxConnections ?? 200)) {
      s.destroy();
      return;
    }
    this.track(s);
    const ip = plainIp(s.remoteAddress);
    const address = ip.includes(':') ? `[${ip}]:${s.remotePort}` : `${ip}:${s.remotePort}`;
    // The first 48 handshake bytes name the info-hash: a peer of one of our torrents, or one
    // for a metadata fetch under way (a magnet whose torrent does not exist yet).
    let head: Buffer | undefined;
    const drop = (): void => {
      s.destroy();
    };
    const onHead = (chunk: Buffer): void => {
      head = head === undefined ? chunk : Buffer.concat([head, chunk]);
      if (head.length < HANDSHAKE_INFO_HASH_END) return;
      s.off('data', onHead).off('error', drop).off('timeout', drop).setTimeout(0);
      const id = head.subarray(28, HANDSHAKE_INFO_HASH_END).toString('hex');
      const fetch = this.torrents.has(id) ? undefined : this.fetches.get(id);
      if (fetch?.accept(s, address, head)) return;
      new PeerConnection(s, { resolver: (ih) => this.torrents.get(Buffer.from(ih).toString('hex')), address, ip, now: performance.now() }).receive(head);
    };
    s.on('data', onHead).on('error', drop).on('timeout', drop).setTimeout(HANDSHAKE_TIMEOUT_MS);
  }

  /**
   * Adds a torrent: a .torrent's bytes, its file path, or a parsed Metainfo. Checks what is
   * already on disk (resume data, or hashing existing files), then starts announcing and
   * connecting. Rejects with EngineError (duplicate, closed), MetainfoError or StorageError.
   *
   * A string that is a magnet link or a bare info-hash (40 hex / 32 base32) is a magnet:
   * its metadata is fetched from peers first (see fetchMetadata), `opts.onMetadata` hears
   * of it, and the promise resolves once the torrent has started.
   */
  async add(source: TorrentSource, opts: AddOptions & AddMagnetOptions): Promise<Torrent> {
    if (this.closed) throw new EngineError('closed', 'client is closed');
    if (typeof source === 'string' && isMagnetSource(source)) {
      const id = parseMagnetId(source);
      if (id !== undefined && this.torrents.has(id)) throw new EngineError('duplicate', `torrent ${id} was already added`, { infoHash: id });
      return addMagnet(this, source, opts);
    }
    let meta: Metainfo;
    if (isMetainfo(source)) meta = source;
    else if (typeof source === 'string') {
      let bytes: Buffer;
      try {
        bytes = await readFile(source);
      } catch (e) {
        throw new EngineError('source', `cannot read ${source}: ${(e as Error).message}`, { path: source }, { cause: e });
      }
      meta = parseTorrent(bytes);
    } else meta = parseTorrent(source);
    const id = meta.infoHash.hex;
    if (this.torrents.has(id)) throw new EngineError('duplicate', `torrent ${id} was already added`, { infoHash: id });
    await this.listening;
    const root = resolve(opts.path);
    // The download folder is created up front: FsStorage remembers a checked parent chain
    // from the start-up stat (create=false) and would not create the root on first write.
    if (!opts.storage) await mkdir(root, { recursive: true });
    const storage = opts.storage ? opts.storage(meta) : new FsStorage(meta, root);
    const resumePath = opts.resume === false ? undefined : (opts.resume ?? join(root, '.shoal', `${id}.resume`));
    const found = await checkExisting(meta, storage, resumePath);
    if (this.closed) {
      await storage.close();
      throw new EngineError('closed', 'client is closed');
    }
    if (this.torrents.has(id)) throw new EngineError('duplicate', `torrent ${id} was already added`, { infoHash: id });
    const t = new Torrent(this.link, {
      meta,
      storage,
      have: found.have,
      resumePath,
      select: opts.select,
      priorities: opts.priorities,
      sequential: opts.sequential ?? false,
      seed: opts.seed ?? true,
      peers: opts.peers ?? [],
      maxPeers: opts.maxPeers ?? this.opts.maxPeers ?? 50,
      announce: opts.announce ?? true,
      inFlightBytes: opts.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES,
      cacheBudget: opts.cacheBytes !== undefined ? new CacheBudget(opts.cacheBytes) : this.cacheBudget,
      checkedPieces: found.checkedPieces,
      fromResume: found.fromResume,
      superSeed: opts.superSeed === true,
      ...(opts.webSeeds !== undefined && { webSeeds: opts.webSeeds }),
    });
    this.torrents.set(id, t);
    t.start();
    return t;
  }

  /**
   * Fetches a magnet link's metadata from peers (BEP 9) without adding the torrent: from the
   * magnet's x.pe peers and `opts.peers`, its trackers (tr) and the client's discovery
   * sources. Resolves with the parsed torrent and its .torrent bytes. Rejects with
   * MagnetError, EngineError ('duplicate', 'closed') or MetadataError ('timeout', 'aborted',
   * 'closed', 'invalid').
   */
  async fetchMetadata(source: string | Magnet, opts: MagnetOptions = {}): Promise<MetadataResult> {
    if (this.closed) throw new EngineError('closed', 'client is closed');
    await this.listening;
    return fetchMagnet(this.link, this.fetches, source, opts);
  }

  private tick(): void {
    const now = performance.now();
    let unchoked = 0;
    for (const t of this.torrents.values()) unchoked += t.unchokedPeers;
    this.slots.used = unchoked;
    for (const t of this.torrents.values()) t.tick(now);
  }

  /** Closes every torrent (announces `stopped`, writes resume data) and the listener. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.fetches.values()].map((f) => f.close()));
    this.bandwidth.close();
    await Promise.all([...this.torrents.values()].map((t) => t.close()));
    for (const s of this.sockets) s.destroy();
    await Promise.allSettled((this.opts.discovery ?? []).map((d) => d.close()));
    if (this.server) await new Promise<void>((res) => this.server!.close(() => res()));
  }
}

/** The hex info-hash of a magnet source, or undefined when it does not parse (add() reports that). */
function parseMagnetId(source: string): string | undefined {
  try {
    return parseMagnetSource(source).infoHash.hex;
  } catch {
    return undefined;
  }
}
