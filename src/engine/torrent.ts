import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Bitfield } from '../core/bitfield.js';
import { pieceSize as layoutPieceSize } from '../metainfo/layout.js';
import type { Metainfo } from '../metainfo/types.js';
import { CachedReader, PieceCache } from '../storage/cache.js';
import type { Storage } from '../storage/interface.js';
import { Announcer } from '../tracker/client/announcer.js';
import { encodeHave } from '../wire/encode.js';
import { Choker } from './choker.js';
import { peerInfo, rechoke, ResumeKeeper } from './torrent-helpers.js';
import { PiecePipeline } from './piece-pipeline.js';
import type { PeerDiscovery, PeerAddress } from './discovery.js';
import { EngineError } from './engine-errors.js';
import { Features } from './features.js';
import { RateLimiter } from './limits.js';
import type { BandwidthScheduler, RateLimits, UploadSlots } from './limits.js';
import { planPieces, selectionMask } from './priority.js';
import type { FilePriority } from './priority.js';
import { recheckPieces } from './recheck.js';
import type { RecheckResult } from './recheck.js';
import type { TrackerStatus } from '../tracker/client/announcer.js';
import type { DrainOptions, DrainResult } from './drain.js';
import type { TorrentHealth } from './health.js';
import { SwarmCare } from './swarm-care.js';
import { PeerConnection } from './peer.js';
import { PexFeature } from './pex.js';
import { WebSeeds } from './webseed/feature.js';
import type { WebSeedInfo, WebSeedOptions } from './webseed/types.js';
import { BLOCK_SIZE } from './picker/blocks.js';
import type { PickerPeer } from './picker/peer.js';
import { MetadataServer } from './metadata/serve.js';
import type { PeerHost } from './peer.js';
import { PiecePicker } from './picker/picker.js';
import { RateMeter } from './rate.js';
import { Swarm, parseHostPort, plainIp } from './swarm.js';
import type { PeerInfo, TorrentEvents, TorrentProgress, TorrentState } from './types.js';
import type { ClientLink, TorrentInit } from './torrent-types.js';

export type { ClientLink, TorrentInit } from './torrent-types.js';

const BAN_POINTS = 3;

/**
 * One torrent: its pieces (picker, piece buffers, hashing, writes), its peers and the
 * once-a-second scheduler (choking, timeouts, reconnects, resume data, progress).
 * Created by `Client.add`. Events: see TorrentEvents.
 */
export class Torrent extends EventEmitter<TorrentEvents> implements PeerHost {
  readonly metainfo: Metainfo;
  readonly infoHash: Buffer;
  /** Hex info-hash. */
  readonly id: string;
  readonly name: string;
  readonly pieceCount: number;
  readonly storage: Storage;
  readonly picker: PiecePicker<PeerConnection>;
  readonly reader: CachedReader;
  /** Extension features (see features.ts); each registers itself in the constructor. */
  readonly features = new Features();
  /** BEP 11 peer exchange (`pex.configure` changes its timing; off for private torrents). */
  readonly pex: PexFeature;
  private readonly webSeedFeature: WebSeeds;
  /** Pieces hashed from disk at start-up (0 when resume data was trusted). */
  readonly checkedPieces: number;
  /** Resume data was trusted whole at start-up (no re-hash). */
  readonly fromResume: boolean;
  /** This torrent's rate limits (bytes/s, 0 = none), under the client's. */
  readonly downLimit: RateLimiter;
  readonly upLimit: RateLimiter;
  private readonly client: ClientLink;
  private rechecking: Promise<void> | undefined;
  private _recheckProgress = 1;
  private readonly swarm = new Swarm();
  private readonly choker: Choker<PeerConnection>;
  private readonly announcer: Announcer | undefined;
  /** Piece buffers, hashing and writes, selection byte counts (piece-pipeline.ts). */
  private readonly pieces: PiecePipeline;
  private readonly downMeter: RateMeter;
  private readonly upMeter: RateMeter;
  /** The resume file: trusted, stale, periodic writes (torrent-helpers.ts). */
  private readonly resumeFile: ResumeKeeper;
  private readonly keepSeeding: boolean;
  private readonly maxPeers: number;
  private _state: TorrentState = 'downloading';
  private _downloaded = 0;
  private _uploaded = 0;
  private wasted = 0;
  private doneEmitted = false;
  private closing: Promise<void> | undefined;
  private redialTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void)[] = [];
  /** Health figures, super-seeding, drain, rare-piece suggestions (swarm-care.ts). */
  private readonly care: SwarmCare;

  constructor(client: ClientLink, init: TorrentInit) {
    super();
    const meta = init.meta;
    const now = performance.now();
    this.client = client;
    this.metainfo = meta;
    this.infoHash = meta.infoHash.bytes;
    this.id = meta.infoHash.hex;
    this.name = meta.name;
    this.pieceCount = meta.pieceCount;
    this.storage = init.storage;
    this.checkedPieces = init.checkedPieces;
    this.fromResume = init.fromResume;
    this.downLimit = new RateLimiter(client.downLimit, 0, now);
    this.upLimit = new RateLimiter(client.upLimit, 0, now);
    this.keepSeeding = init.seed;
    this.maxPeers = init.maxPeers;
    this.picker = new PiecePicker<PeerConnection>({ pieceLength: meta.pieceLength, totalLength: meta.totalLength, have: init.have, inFlightBytes: init.inFlightBytes });
    this.picker.sequential = init.sequential;
    this.reader = new CachedReader(init.storage, new PieceCache(init.cacheBudget));
    this.resumeFile = new ResumeKeeper(init.resumePath, init.storage, this.infoHash, () => this.picker.have, init.fromResume, now);
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.pieces = new PiecePipeline(
      {
        pieceHashes: meta.pieces,
        storage: init.storage,
        pieceSize: (i) => this.pieceSize(i),
        get accepting() {
          return self._state !== 'closed' && self._state !== 'error';
        },
        written: (i) => this.pieceWritten(i),
        hashFailed: (i) => this.hashFailed(i),
        settled: () => this.checkDone(),
        failed: (e) => this.fail(e),
      },
      meta.pieceCount,
      meta.pieceLength,
      this.picker.maxPiecesInFlight,
    );
    this.choker = new Choker<PeerConnection>({ uploadSlots: client.uploadSlots });
    this.downMeter = new RateMeter(now, 5);
    this.upMeter = new RateMeter(now, 5);
    this.pex = this.features.add(new PexFeature(this));
    this.features.add(new MetadataServer(meta));
    this.webSeedFeature = this.features.add(
      new WebSeeds({ meta, picker: this.picker, downLimit: this.downLimit, downloading: () => this._state === 'downloading', deliver: (pp, i, b, d) => this.onWebSeedData(pp, i, b, d), warn: (m) => this.emit('warning', m) }, init.webSeeds),
    );
    if (init.priorities !== undefined) this.applyPriorities(init.priorities);
    else this.applySelection(init.select);
    const t = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.care = new SwarmCare(
      {
        get have() {
          return t.picker.have;
        },
        pieceCount: meta.pieceCount,
        get uploaded() {
          return t._uploaded;
        },
        get peerCount() {
          return t.swarm.readyCount;
        },
        availability: (i) => t.picker.availability(i),
        pieceSize: (i) => t.pieceSize(i),
        readyPeers: () => t.swarm.ready(),
      },
      init.superSeed === true && init.have.complete,
    );
    if (init.superSeed === true && !init.have.complete) setImmediate(() => this.emit('warning', 'super-seeding needs the complete data: seeding normally'));
    for (const p of init.peers) this.addPeer(p);
    if (init.announce && meta.announce.length > 0) {
      this.announcer = new Announcer({
        tiers: meta.announce,
        infoHash: this.infoHash,
        peerId: client.peerId,
        port: client.listenPort,
        stats: () => ({ uploaded: this._uploaded, downloaded: this._downloaded, left: this.pieces.wantedBytes - this.pieces.verifiedBytes }),
        onPeers: (peers) => this.addFoundPeers(peers.map((p) => ({ host: p.ip, port: p.port }))),
        onError: (e) => this.emit('warning', `tracker: ${e.message}`),
        ...(client.minAnnounceInterval !== undefined && { minIntervalFloor: client.minAnnounceInterval }),
      });
    }
  }

  /** Starts announcing and connecting; emits 'done' (asynchronously) when already complete. */
  start(): void {
    this.announcer?.start();
    this.startDiscovery();
    this.connectMore(performance.now());
    this.webSeedFeature.start();
    // Resume data trusted at start stays as it is (clean, matching the files) until something
    // changes: no rewrite, no fsync. A crash then re-checks only files whose mtime moved.
    if (this.resumeFile.enabled && !this.resumeFile.onDisk) void this.resumeFile.save(false).catch(() => {});
    setImmediate(() => this.checkDone());
  }

  /** Peers from trackers, DHT, LSD, PEX: remembered and dialled as room allows. */
  addFoundPeers(peers: readonly PeerAddress[]): void {
    if (this._state === 'closed' || this._state === 'error') return;
    const t = performance.now();
    for (const p of peers) this.swarm.add(p.host, p.port, false, t);
    this.connectMore(t);
  }

  private startDiscovery(): void {
    if (this.metainfo.private) return;
    for (const d of this.client.discovery) {
      try {
        this.unwatch.push(d.watch(this.infoHash, { port: this.client.listenPort, seed: this.picker.have.complete }, (peers) => this.addFoundPeers(peers)));
      } catch (e) {
        this.emit('warning', `${d.name}: ${(e as Error).message}`);
      }
    }
  }

  // ---- state ----

  get state(): TorrentState {
    return this._state;
  }

  /** Verified pieces (a live view: do not modify). */
  get have(): Bitfield {
    return this.picker.have;
  }

  get downloading(): boolean {
    return this._state === 'downloading';
  }

  get listenPort(): number {
    return this.client.listenPort;
  }

  get peerId(): Buffer {
    return this.client.peerId;
  }

  /** Payload bytes received / sent this session. */
  get downloaded(): number {
    return this._downloaded;
  }

  get uploaded(): number {
    return this._uploaded;
  }

  /** True once every selected piece is verified on disk. */
  get done(): boolean {
    return this.doneEmitted;
  }

  pieceSize(index: number): number {
    return layoutPieceSize(this.metainfo, index);
  }

  /** Transfer snapshot (what 'progress' carries). */
  progress(): TorrentProgress {
    const now = performance.now();
    const downloadRate = this.downMeter.rate(now);
    const left = this.pieces.wantedBytes - this.pieces.verifiedBytes;
    return {
      state: this._state,
      verifiedBytes: this.pieces.verifiedBytes,
      wantedBytes: this.pieces.wantedBytes,
      progress: this.pieces.wantedBytes > 0 ? this.pieces.verifiedBytes / this.pieces.wantedBytes : 1,
      piecesHave: this.picker.have.count,
      pieceCount: this.pieceCount,
      downloaded: this._downloaded,
      uploaded: this._uploaded,
      downloadRate,
      uploadRate: this.upMeter.rate(now),
      peers: this.swarm.readyCount,
      eta: left <= 0 ? 0 : downloadRate > 0 ? left / downloadRate : Infinity,
      health: this.care.figures(now),
    };
  }

  /**
   * Replication in the swarm we see (our pieces + the connected peers' bitfields): local
   * and swarm fractions, least and mean (distributed copies) replication, and the pieces
   * held by exactly one peer, us included. O(pieces): for once a second or an API call.
   */
  health(): TorrentHealth {
    return this.care.health();
  }

  /** Super-seeding (BEP 16) is on: peers are offered one piece at a time. */
  get superSeeding(): boolean {
    return this.care.superSeeding;
  }

  /** Ends super-seeding: every peer is told about every piece it lacks. */
  stopSuperSeeding(): void {
    this.care.stopSuperSeeding();
  }

  /** A drain is running (see drain()). */
  get draining(): boolean {
    return this.care.draining;
  }

  /**
   * Leaves gracefully: first hands every piece we hold that fewer than `minCopies` (default
   * 1) connected peers hold to peers that lack it (the likeliest to stay first), then closes
   * (announcing `stopped`) unless `close: false`. Bounded by `timeoutMs` (default 60 s);
   * the result lists the pieces still at risk. A second call while one runs joins it.
   */
  async drain(opts: DrainOptions = {}): Promise<DrainResult> {
    const running = this._state === 'downloading' || this._state === 'seeding';
    const result = await this.care.drain(opts, running, () => this.rechoke(performance.now()));
    if (opts.close !== false) await this.close();
    return result;
  }

  /** BEP 19 web seeds: url, state, bytes, errors. */
  get webSeeds(): WebSeedInfo[] {
    return this.webSeedFeature.list();
  }

  /** Connected peers (after the handshake). */
  get peers(): PeerInfo[] {
    return [...this.swarm.ready()].map(peerInfo);
  }

  /** Resolves when every selected piece is verified on disk (at once if already). */
  whenDone(): Promise<void> {
    if (this.doneEmitted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onErr = (e: Error): void => {
        this.off('done', onDone);
        reject(e);
      };
      const onDone = (): void => {
        this.off('error', onErr);
        resolve();
      };
      this.once('done', onDone);
      this.once('error', onErr);
    });
  }

  // ---- control ----

  /** Adds a peer address ('host:port') to connect to. Throws EngineError on a malformed one. */
  addPeer(address: string): void {
    const hp = parseHostPort(address);
    if (!hp) throw new EngineError('peer_address', `not a peer address (host:port): ${address}`, { address });
    this.swarm.add(hp.host, hp.port, true, performance.now());
    if (this._state === 'downloading' || this._state === 'seeding') this.connectMore(performance.now());
  }

  /** Disconnects every peer and stops transferring until resume(). */
  pause(): void {
    if (this._state !== 'downloading' && this._state !== 'seeding') return;
    this._state = 'paused';
    for (const c of [...this.swarm.conns]) c.close('paused');
  }

  resume(): void {
    if (this._state !== 'paused') return;
    this._state = this.doneEmitted ? 'seeding' : 'downloading';
    this.connectMore(performance.now());
  }

  /** Limits for this torrent in bytes/s (0 = none); the client's global limits apply as well. */
  setRateLimits(limits: RateLimits): void {
    const now = performance.now();
    if (limits.download !== undefined) this.downLimit.setLimit(limits.download, now);
    if (limits.upload !== undefined) this.upLimit.setLimit(limits.upload, now);
    this.client.bandwidth.kick();
  }

  get rateLimits(): { download: number; upload: number } {
    return { download: this.downLimit.limit, upload: this.upLimit.limit };
  }

  /** Wakes throttled connections (PeerHost). */
  get bandwidth(): BandwidthScheduler {
    return this.client.bandwidth;
  }

  /** Per tracker URL: state, last and next announce (ms since the epoch), seeders, leechers, peers returned, error. */
  trackers(): TrackerStatus[] {
    if (this.announcer) return this.announcer.status();
    return this.metainfo.announce.flatMap((tier, ti) => tier.map((url) => ({ url, tier: ti, state: 'idle' as const })));
  }

  /** Peers we unchoke now. */
  get unchokedPeers(): number {
    let n = 0;
    for (const c of this.swarm.ready()) if (!c.amChoking) n++;
    return n;
  }

  /** 0..1 while a recheck runs (1 otherwise). */
  get recheckProgress(): number {
    return this._recheckProgress;
  }

  /**
   * Re-hashes the data on disk and updates what we have: pieces found are announced,
   * pieces missing or corrupt are downloaded again. Peers are disconnected while it runs
   * (state 'checking') and dialled again after; resume data is rewritten. A paused torrent
   * stays paused. Concurrent calls share one run.
   */
  recheck(): Promise<RecheckResult> {
    if (this._state === 'closed' || this._state === 'error') return Promise.reject(new EngineError('closed', `torrent ${this.id} is ${this._state}`, { infoHash: this.id }));
    const run = (this.rechecking ??= this.doRecheck().finally(() => (this.rechecking = undefined)));
    return run.then(() => this._lastRecheck ?? { gained: 0, lost: 0, checked: 0 });
  }

  /** What the last recheck found (undefined before the first). */
  get lastRecheck(): RecheckResult | undefined {
    return this._lastRecheck;
  }

  private _lastRecheck: RecheckResult | undefined;

  private async doRecheck(): Promise<void> {
    const was = this._state;
    this._state = 'checking';
    this._recheckProgress = 0;
    for (const c of [...this.swarm.conns]) c.close('rechecking');
    await this.pieces.idle();
    await this.storage.flush().catch(() => {});
    this.reader.cache.clear();
    const res = await recheckPieces(this.metainfo, this.storage, this.picker, (d, t) => (this._recheckProgress = t > 0 ? d / t : 1), (i) => this.pieces.drop(i));
    this._recheckProgress = 1;
    this._lastRecheck = res;
    if (this._state !== 'checking') return; // closed meanwhile
    this.applyMask(this.pieces.wantedMask); // recounts verified bytes
    this.resumeFile.reset();
    if (this.picker.remaining > 0) this.doneEmitted = false;
    this._state = was === 'paused' ? 'paused' : this.doneEmitted ? 'seeding' : 'downloading';
    await this.resumeFile.save(false).catch((e: unknown) => this.emit('warning', `cannot write resume data: ${(e as Error).message}`));
    this.connectMore(performance.now());
    this.checkDone();
  }

  /** Downloads only these files (indexes into metainfo.files); [] or undefined = all. Resets priorities to normal. */
  select(fileIndexes?: readonly number[]): void {
    this.applySelection(fileIndexes);
    this.picker.setPiecePriorities(new Uint8Array(this.pieceCount).fill(1));
    this.afterSelection();
  }

  /**
   * Per-file priorities, one per file: 'skip' files are not downloaded, pieces of 'high'
   * files are started before 'normal' ones and 'low' ones last (a piece shared by two
   * files takes the higher). Throws EngineError on a wrong count.
   */
  setFilePriorities(priorities: readonly FilePriority[]): void {
    this.applyPriorities(priorities);
    if (this._state !== 'closed') this.afterSelection();
  }

  private applyPriorities(priorities: readonly FilePriority[]): void {
    const m = this.metainfo;
    const plan = planPieces(m.pieceLength, m.totalLength, m.files, priorities);
    this.applyMask(plan.wanted);
    this.picker.setPiecePriorities(plan.priority);
  }

  private afterSelection(): void {
    if (this.picker.remaining > 0 && this._state === 'seeding') {
      this._state = 'downloading';
      this.doneEmitted = false;
    }
    for (const c of this.swarm.ready()) c.updateInterest();
    this.checkDone();
  }

  private applySelection(fileIndexes: readonly number[] | undefined): void {
    this.applyMask(selectionMask(this.metainfo, fileIndexes));
  }

  private applyMask(mask: Uint8Array): void {
    for (const d of this.picker.setWantedMask(mask)) d.peer.ref.sendCancel(d.request.index, d.request.begin, d.request.length);
    this.pieces.setWanted(mask, this.picker.have);
  }


  /** Stops: closes peers, announces `stopped`, waits for writes, flushes, writes clean resume data. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const failed = this._state === 'error';
    this.care.cancel();
    this._state = 'closed';
    clearTimeout(this.redialTimer);
    for (const u of this.unwatch.splice(0)) u();
    for (const c of [...this.swarm.conns]) c.close('torrent closed');
    const stopping = this.announcer?.stop(3000);
    await this.features.close();
    await this.pieces.idle();
    await this.resumeFile.idle();
    // Unchanged since a trusted start: the clean resume file on disk is still exact.
    if (!failed && !this.resumeFile.onDisk) await this.resumeFile.save(true).catch((e: unknown) => this.emit('warning', `cannot write resume data: ${(e as Error).message}`));
    await stopping;
    await this.storage.close().catch(() => {});
    // The cache's budget is the client's: give back what this torrent held.
    this.reader.cache.clear();
    this.client.removeTorrent(this);
  }

  // ---- PeerHost ----

  /** Super-seeding hides our pieces at the handshake. */
  get hidePieces(): boolean {
    return this.care.hidePieces;
  }

  /** Super-seeding serves only the pieces offered to each peer. */
  get uploadGate(): ((c: PeerConnection, index: number) => boolean) | undefined {
    return this.care.uploadGate;
  }


  onPeerHave(c: PeerConnection, index: number): void {
    this.care.onPeerHave(c, index);
  }

  attach(c: PeerConnection): boolean {
    if (this._state !== 'downloading' && this._state !== 'seeding') return false;
    if (c.incoming && this.swarm.readyCount >= this.maxPeers) return false;
    if (!this.swarm.admit(c, this.client.peerId)) return false;
    this.emit('peer', { type: 'connect', address: c.address, peerId: c.peerIdHex, client: c.client, incoming: c.incoming });
    return true;
  }

  detach(c: PeerConnection, reason: string): void {
    const now = performance.now();
    const wasIn = this.swarm.conns.has(c);
    this.swarm.remove(c, now);
    if (c.pp) this.picker.removePeer(c.pp);
    if (wasIn && c.ready) this.features.peerClosed(c, reason);
    this.care.peerClosed(c);
    this.scheduleRedial(now);
    if (wasIn && c.ready) {
      this.emit('peer', { type: 'disconnect', address: c.address, peerId: c.peerIdHex, client: c.client, incoming: c.incoming, reason, downloaded: c.downloaded, uploaded: c.uploaded });
    }
  }

  onListenPort(c: PeerConnection, port: number): void {
    this.swarm.link(c, c.ip, port, performance.now());
  }

  onPeerInterested(c: PeerConnection): void {
    if (!c.amChoking) return;
    if (this.care.draining) return; // the drain picks whom to unchoke
    let unchoked = 0;
    for (const p of this.swarm.ready()) if (!p.amChoking) unchoked++;
    if (unchoked < this.choker.uploadSlots + 1 && this.client.slots.take()) c.unchoke();
  }

  onUploaded(bytes: number, now: number): void {
    this._uploaded += bytes;
    this.upMeter.add(bytes, now);
  }

  /** Hot path: a block arrived. Copied once into its piece buffer; a complete piece is hashed. */
  onBlock(c: PeerConnection, index: number, begin: number, block: Uint8Array, now: number): void {
    const len = block.length;
    this._downloaded += len;
    this.downMeter.add(len, now);
    c.rq.received(index, begin, len, now);
    const out = this.picker.onBlock(c.pp!, index, begin, len);
    const st = out.status;
    if (st === 'accepted' || st === 'complete') {
      for (const q of out.cancel) q.ref.sendCancel(index, begin, len);
      this.pieces.store(index, begin, block, st === 'complete');
    } else if (st === 'duplicate') {
      this.wasted += len;
    } else {
      c.countUnexpected(len);
    }
  }

  /** Blocks of one piece from a web seed (src/engine/webseed): stored, hashed and written as a peer's. */
  private onWebSeedData(pp: PickerPeer<PeerConnection>, index: number, begin: number, data: Buffer): void {
    this._downloaded += data.length;
    this.downMeter.add(data.length, performance.now());
    for (let off = 0; off < data.length; off += BLOCK_SIZE) {
      const len = Math.min(BLOCK_SIZE, data.length - off);
      const out = this.picker.onBlock(pp, index, begin + off, len);
      if (out.status === 'duplicate') this.wasted += len;
      if (out.status !== 'accepted' && out.status !== 'complete') continue;
      for (const q of out.cancel) q.ref.sendCancel(index, begin + off, len);
      this.pieces.store(index, begin + off, data.subarray(off, off + len), out.status === 'complete');
    }
  }

  private pieceWritten(index: number): void {
    if (this._state === 'closed' || this._state === 'error') return;
    // At the cap on pieces in flight no peer was asked for anything new, so no block may be
    // on its way to call refill: ask now, not at the next tick (measured: stalls of up to a
    // second whenever writes lagged, one in three 1 GiB downloads).
    const capped = this.picker.piecesInFlight >= this.picker.maxPiecesInFlight;
    this.picker.pieceVerified(index);
    this.resumeFile.changed();
    const msg = encodeHave(index);
    const now = performance.now();
    for (const c of this.swarm.ready()) {
      c.sendHave(msg, index);
      c.updateInterest();
      if (capped) c.refill(now);
    }
    this.features.pieceVerified(index);
    this.emit('piece', index);
    this.checkDone();
  }

  private hashFailed(index: number): void {
    const senders = this.picker.pieceFailed(index);
    this.emit('warning', `piece ${index} failed its hash check (from ${senders.length} peer${senders.length === 1 ? '' : 's'})`);
    for (const s of senders) {
      if (this.webSeedFeature.blame(s)) continue;
      const c = s.ref;
      c.hashFails += senders.length === 1 ? 2 : 1;
      if (c.hashFails >= BAN_POINTS) {
        this.swarm.ban(c);
        this.emit('warning', `banned peer ${c.address} after bad data`);
        c.close('banned: sent data that failed hash checks');
      }
    }
  }

  private fail(e: Error): void {
    if (this._state === 'closed' || this._state === 'error') return;
    this._state = 'error';
    for (const c of [...this.swarm.conns]) c.close('torrent error');
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  private checkDone(): void {
    if (this.doneEmitted || this.picker.remaining > 0 || this.pieces.busy) return;
    if (this._state !== 'downloading') return;
    this.doneEmitted = true;
    this._state = 'seeding';
    for (const c of this.swarm.ready()) c.updateInterest();
    const complete = this.picker.have.complete;
    if (complete) this.announcer?.completed();
    this.emit('complete');
    // Complete: truncate() also creates the zero-length files no piece ever wrote. Not needed
    // when trusted resume data says nothing changed since a run that did it (a restart).
    void (complete && !this.resumeFile.onDisk ? this.storage.truncate() : Promise.resolve())
      .then(() => this.storage.flush())
      .then(() => (this.resumeFile.onDisk ? undefined : this.resumeFile.save(false)))
      .catch(() => {})
      .finally(() => {
        this.emit('done');
        if (!this.keepSeeding) void this.close();
      });
  }

  // ---- connections ----

  private connectMore(now: number): void {
    if (this._state !== 'downloading' && this._state !== 'seeding') return;
    const room = Math.min(this.maxPeers - this.swarm.conns.size, this.client.connectionRoom());
    for (const cand of this.swarm.due(now, room, this.picker.have.complete)) {
      let sock: Socket;
      let c: PeerConnection | undefined;
      try {
        sock = this.client.dial(cand.host, cand.port, (chunk) => c?.receive(chunk));
      } catch {
        this.swarm.dialFailed(cand, now);
        continue;
      }
      c = new PeerConnection(sock, { host: this, address: cand.key, ip: plainIp(cand.host), now, readsOwnData: true });
      this.swarm.connecting(cand, c);
    }
  }

  /** Redials sooner than the next tick when a backoff ends within it (one timer per torrent). */
  private scheduleRedial(now: number): void {
    if (this.redialTimer !== undefined) return;
    const at = this.swarm.nextDue(this.picker.have.complete);
    const wait = at - now;
    if (!(wait < 1000)) return;
    this.redialTimer = setTimeout(() => {
      this.redialTimer = undefined;
      this.connectMore(performance.now());
    }, Math.max(0, wait));
    this.redialTimer.unref();
  }

  /** Scheduler tick (about once a second, from the client). */
  tick(now: number): void {
    if (this._state !== 'downloading' && this._state !== 'seeding') return;
    const complete = this.picker.have.complete;
    for (const c of [...this.swarm.conns]) {
      c.tick(now);
      if (complete && c.ready && c.pp !== undefined && (c.pp.seed || c.pp.bitfield.complete)) c.close('both seeds');
    }
    this.rechoke(now);
    this.care.tick(now, complete);
    this.features.tick(now);
    this.connectMore(now);
    if (this.announcer && this.swarm.readyCount < this.maxPeers / 2 && !complete) this.announcer.wantPeers();
    this.resumeFile.tick(now, (m) => this.emit('warning', m));
    this.emit('progress', this.progress());
  }

  private rechoke(now: number): void {
    if (this.care.rechoke(this.swarm.ready())) return;
    rechoke(this.choker, [...this.swarm.ready()], now, this.picker.remaining === 0, this.client.slots);
  }
}
