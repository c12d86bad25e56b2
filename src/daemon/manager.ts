import { EventEmitter } from 'node:events';
import { unlink } from 'node:fs/promises';
import { Bitfield } from '../core/bitfield.js';
import { Client } from '../engine/index.js';
import type { ClientOptions, Torrent } from '../engine/index.js';
import type { DrainResult } from '../engine/drain.js';
import { MetadataError } from '../engine/metadata/errors.js';
import { parseMagnet } from '../metainfo/magnet.js';
import type { Magnet } from '../metainfo/magnet.js';
import { parseTorrent } from '../metainfo/parse.js';
import type { Metainfo } from '../metainfo/types.js';
import { FsStorage } from '../storage/fs.js';
import { readResume } from '../storage/resume.js';
import { fetchFromCatalog } from './catalog.js';
import { Entry, placeholderMeta } from './entry.js';
import { ApiError, toApiError } from './errors.js';
import { checkPriorities, checkRate } from './validate.js';
import { summary } from './describe.js';
import { StateStore } from './store.js';
import type { Priority, SessionSettings, TorrentRecord } from './store.js';

export interface ManagerOptions {
  readonly store: StateStore;
  readonly client: ClientOptions;
  /** Default download folder. */
  readonly downloadDir: string;
  /** Shoal tracker HTTP base URL whose catalog is used (fetch by info-hash, register shares). */
  readonly catalog?: string;
  /** How long an add by magnet or info-hash waits for the metadata from peers, ms (default 60 s). */
  readonly metadataTimeout?: number;
  /** Torrents started at once while restoring (default 32). */
  readonly restoreConcurrency?: number;
}

export interface AddRequest {
  readonly downloadDir?: string;
  readonly paused?: boolean;
  readonly peers?: readonly string[];
  readonly priorities?: readonly Priority[];
  /** BEP 16 super-seeding (for an initial seeder). */
  readonly superSeed?: boolean;
  /**
   * Magnet / info-hash adds: wait for the metadata before answering (the old behaviour;
   * NOT_FOUND after the metadata timeout). Without it the add returns at once with an
   * entry in state 'metadata'.
   */
  readonly wait?: boolean;
}

/** A daemon event (also sent on the SSE stream as `event: <type>`). */
export interface DaemonEvent {
  readonly type: 'added' | 'removed' | 'state' | 'progress' | 'done' | 'error' | 'share' | 'drain';
  readonly [k: string]: unknown;
}

/**
 * Many torrents in one engine Client, with their settings persisted in the data folder.
 * Stopped torrents are not in the engine at all (no sockets, no timers): starting one adds
 * it with its resume data, so verified pieces are not hashed again.
 */
export class TorrentManager extends EventEmitter<{ event: [DaemonEvent] }> {
  readonly client: Client;
  readonly store: StateStore;
  private readonly opts: ManagerOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<number, Entry>();
  private nextId = 1;
  private closed = false;
  /** Session settings (global limits), persisted in state.json. */
  settings: SessionSettings = {};

  constructor(opts: ManagerOptions) {
    super();
    this.opts = opts;
    this.store = opts.store;
    this.client = new Client(opts.client);
    this.store.bind(
      () => [...this.entries.values()].map((e) => e.record),
      () => this.settings,
    );
  }

  /**
   * Global rate limits in bytes/s (0 = none), applied at once and saved. `enabled` false
   * turns a limit off but remembers its value; true without a value brings it back
   * (Transmission's speed-limit-*-enabled).
   */
  setSessionLimits(l: { download?: unknown; upload?: unknown; downloadEnabled?: boolean; uploadEnabled?: boolean }): Promise<void> {
    const s = { ...this.settings };
    for (const dir of ['download', 'upload'] as const) {
      const value = l[dir] === undefined ? undefined : checkRate(l[dir], dir);
      const enabled = dir === 'download' ? l.downloadEnabled : l.uploadEnabled;
      const key = dir === 'download' ? 'downloadLimit' : 'uploadLimit';
      const keep = dir === 'download' ? 'downloadLimitValue' : 'uploadLimitValue';
      if (value !== undefined && value > 0) s[keep] = value;
      if (enabled === false) s[key] = 0;
      else if (enabled === true) s[key] = value ?? s[keep] ?? 0;
      else if (value !== undefined) s[key] = value;
    }
    this.settings = s;
    this.client.setRateLimits({ download: s.downloadLimit ?? 0, upload: s.uploadLimit ?? 0 });
    return this.store.flush();
  }

  get catalog(): string | undefined {
    return this.opts.catalog;
  }

  get downloadDir(): string {
    return this.opts.downloadDir;
  }

  list(): Entry[] {
    return [...this.entries.values()];
  }

  /** By hex info-hash (40 chars) or numeric id. */
  find(key: string | number): Entry | undefined {
    if (typeof key === 'number') return this.byId.get(key);
    if (/^[0-9a-fA-F]{40}$/.test(key)) return this.entries.get(key.toLowerCase());
    if (/^\d{1,15}$/.test(key)) return this.byId.get(Number(key));
    return undefined;
  }

  get(key: string | number): Entry {
    const e = this.find(key);
    if (!e) throw new ApiError('NOT_FOUND', `no torrent ${key}`, { torrent: String(key) });
    return e;
  }

  private emitEvent(ev: DaemonEvent): void {
    this.emit('event', ev);
  }

  /** Re-adds every torrent of state.json; resolves when all are back (running ones checked). */
  async restore(): Promise<{ restored: number; failed: number; hashedPieces: number }> {
    const records = await this.store.load();
    // Saved session limits, unless given on the command line (which then are saved).
    const saved = this.store.savedSettings ?? {};
    const c = this.opts.client;
    this.settings = {
      ...saved,
      ...(c.downloadLimit !== undefined && { downloadLimit: c.downloadLimit }),
      ...(c.uploadLimit !== undefined && { uploadLimit: c.uploadLimit }),
    };
    this.client.setRateLimits({ download: this.settings.downloadLimit ?? 0, upload: this.settings.uploadLimit ?? 0 });
    let failed = 0;
    let hashedPieces = 0;
    const entries: Entry[] = [];
    for (const r of records) {
      try {
        if (typeof r.magnet === 'string') {
          // Still fetching the metadata at the last shutdown: fetch it again (unless stopped).
          const m = parseMagnet(r.magnet);
          if (m.infoHash.hex !== r.infoHash || this.entries.has(r.infoHash)) throw new Error('mismatch');
          const e = this.register(r, placeholderMeta(m));
          if (!r.stopped) this.fetchMeta(e);
          continue;
        }
        const meta = parseTorrent(await this.store.readTorrent(r.infoHash));
        if (meta.infoHash.hex !== r.infoHash || this.entries.has(r.infoHash)) throw new Error('mismatch');
        const e = this.register(r, meta);
        entries.push(e);
      } catch {
        failed++;
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const e = entries[next++]!;
        if (e.record.stopped) {
          await this.loadHaveFromResume(e);
          continue;
        }
        await this.run(e).catch(() => {});
        hashedPieces += e.torrent?.checkedPieces ?? 0;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.restoreConcurrency ?? 32, entries.length) }, worker));
    return { restored: entries.length, failed, hashedPieces };
  }

  private async loadHaveFromResume(e: Entry): Promise<void> {
    const r = await readResume(this.store.resumePath(e.hash), { infoHash: e.meta.infoHash.bytes, pieceCount: e.meta.pieceCount, fileCount: e.meta.files.length }).catch(() => undefined);
    if (r) e.lastHave = new Bitfield(e.meta.pieceCount, Uint8Array.from(r.bitfield));
  }

  private register(record: TorrentRecord, meta: Metainfo): Entry {
    const e = new Entry(record, meta, this.nextId++);
    this.entries.set(e.hash, e);
    this.byId.set(e.id, e);
    return e;
  }

  /** Adds a .torrent's bytes. ALREADY_EXISTS when present; INVALID_ARGUMENT when malformed. */
  async addTorrent(bytes: Uint8Array, req: AddRequest = {}): Promise<Entry> {
    if (this.closed) throw new ApiError('CONFLICT', 'the daemon is shutting down');
    let meta: Metainfo;
    try {
      meta = parseTorrent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw toApiError(e);
    }
    const hash = meta.infoHash.hex;
    if (this.entries.has(hash)) throw new ApiError('ALREADY_EXISTS', `torrent ${hash} is already added`, { infoHash: hash });
    return this.addParsed(meta, bytes, req);
  }

  private async addParsed(meta: Metainfo, bytes: Uint8Array, req: AddRequest, pending?: Entry): Promise<Entry> {
    const hash = meta.infoHash.hex;
    const priorities = req.priorities ? checkPriorities(req.priorities, meta) : undefined;
    const record = this.newRecord(hash, meta.name, { ...req, priorities });
    await this.store.saveTorrent(hash, bytes);
    let e: Entry;
    if (pending !== undefined) {
      // The metadata of a magnet / info-hash add is in: the entry keeps its id.
      e = pending;
      const r = e.record;
      delete r.magnet;
      delete r.startPaused;
      // Limits set while the metadata was coming are kept.
      Object.assign(r, record, { addedAt: r.addedAt, downloadLimit: r.downloadLimit, uploadLimit: r.uploadLimit });
      e.setMeta(meta);
      e.error = undefined;
    } else e = this.register(record, meta);
    await this.store.flush();
    this.emitEvent({ type: 'added', torrent: summary(e) });
    if (pending !== undefined) this.emitState(e);
    if (!record.stopped) {
      // A pending entry's completion already runs in e.serial().
      await (pending !== undefined ? this.run(e) : e.serial(() => this.run(e))).catch((err: unknown) => {
        e.error = toApiError(err).message;
      });
    }
    return e;
  }

  /**
   * Adds by magnet link: the metadata comes from the configured tracker catalog when it has
   * it, else from peers (BEP 9: the link's x.pe peers, its trackers, the request's peers).
   */
  async addMagnet(uri: string, req: AddRequest = {}): Promise<Entry> {
    let m: Magnet;
    try {
      m = parseMagnet(uri);
    } catch (e) {
      throw toApiError(e);
    }
    return this.addByHash(m.infoHash.hex, uri, req);
  }

  /** Adds by bare info-hash (40 hex): metadata from the tracker catalog, else from peers. */
  async addInfoHash(hex: string, req: AddRequest = {}): Promise<Entry> {
    if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new ApiError('INVALID_ARGUMENT', 'an info-hash is 40 hex digits', { infoHash: hex });
    const hash = hex.toLowerCase();
    return this.addByHash(hash, `magnet:?xt=urn:btih:${hash}`, req);
  }

  private async addByHash(hash: string, uri: string, req: AddRequest): Promise<Entry> {
    if (this.entries.has(hash)) throw new ApiError('ALREADY_EXISTS', `torrent ${hash} is already added`, { infoHash: hash });
    if (this.opts.catalog !== undefined) {
      let bytes: Buffer | undefined;
      try {
        bytes = await fetchFromCatalog(this.opts.catalog, hash);
      } catch (e) {
        // Not in the catalog: ask peers. An unreachable catalog is an error of its own.
        if (!(e instanceof ApiError && e.code === 'NOT_FOUND')) throw e;
      }
      if (bytes !== undefined) {
        const meta = parseTorrent(bytes);
        if (meta.infoHash.hex !== hash) throw new ApiError('INTERNAL', 'the catalog returned a torrent with another info-hash', { infoHash: hash });
        return this.addTorrent(bytes, req);
      }
    }
    if (req.wait !== true) return this.addPending(uri, req);
    const timeout = this.opts.metadataTimeout ?? 60_000;
    let torrent: Buffer;
    try {
      torrent = (await this.client.fetchMetadata(uri, { peers: req.peers ?? [], metadataTimeout: timeout })).torrent;
    } catch (e) {
      throw this.metadataError(e, hash);
    }
    return this.addTorrent(torrent, req);
  }

  /** The saved record of a new torrent from an add request (no limits of its own yet). */
  private newRecord(infoHash: string, name: string, req: AddRequest): TorrentRecord {
    return {
      infoHash,
      name,
      downloadDir: req.downloadDir ?? this.opts.downloadDir,
      stopped: req.paused === true,
      ...(req.priorities && { priorities: [...req.priorities] }),
      ...(req.superSeed === true && { superSeed: true }),
      downloadLimit: 0,
      uploadLimit: 0,
      peers: [...(req.peers ?? [])],
      addedAt: Date.now(),
    };
  }

  private metadataError(e: unknown, hash: string): ApiError {
    const timeout = this.opts.metadataTimeout ?? 60_000;
    if (e instanceof MetadataError && e.context['reason'] === 'timeout') {
      return new ApiError('NOT_FOUND', `no peer sent the metadata of ${hash} within ${Math.round(timeout / 1000)} s (and no catalog has it)`, { infoHash: hash });
    }
    return toApiError(e);
  }

  /** A magnet / info-hash add answered at once: an entry in state 'metadata' while peers are asked. */
  private async addPending(uri: string, req: AddRequest): Promise<Entry> {
    const m = parseMagnet(uri);
    // Paused: nothing goes to the network, the metadata included, until it is started.
    const record: TorrentRecord = { ...this.newRecord(m.infoHash.hex, m.name ?? m.infoHash.hex, req), magnet: uri };
    const e = this.register(record, placeholderMeta(m));
    if (!record.stopped) this.fetchMeta(e, false);
    await this.store.flush();
    this.emitEvent({ type: 'added', torrent: summary(e) });
    return e;
  }

  /** Fetches a pending entry's metadata from peers (not awaited); then adds it like an upload. */
  private fetchMeta(e: Entry, announce = true): void {
    const uri = e.record.magnet;
    if (uri === undefined || e.fetching !== undefined || this.closed) return;
    const ac = new AbortController();
    e.fetching = ac;
    e.error = undefined;
    e.metadataProgress = undefined;
    if (announce) this.emitState(e);
    // Stop, DELETE and shutdown abort the fetch: its outcome is then ignored.
    const own = (): boolean => !ac.signal.aborted && this.entries.get(e.hash) === e;
    this.client
      .fetchMetadata(uri, {
        peers: e.record.peers,
        metadataTimeout: this.opts.metadataTimeout ?? 60_000,
        signal: ac.signal,
        onMetadataProgress: (p) => {
          if (!own()) return;
          e.metadataProgress = p;
          this.progressEvent(e);
        },
      })
      .then(
        (res) =>
          e.serial(async () => {
            if (!own()) return;
            const r = e.record;
            const req: AddRequest = {
              downloadDir: r.downloadDir,
              paused: r.startPaused === true,
              peers: r.peers,
              ...(r.priorities && { priorities: r.priorities }),
              ...(r.superSeed === true && { superSeed: true }),
            };
            const parsed = parseTorrent(res.torrent);
            if (parsed.infoHash.hex !== e.hash) throw new ApiError('INTERNAL', 'metadata with another info-hash', { infoHash: e.hash });
            await this.addParsed(parsed, res.torrent, req, e);
          }),
      )
      .catch((err: unknown) => {
        if (!own()) return;
        if (e.fetching === ac) e.fetching = undefined;
        e.error = this.metadataError(err, e.hash).message;
        this.emitEvent({ type: 'error', infoHash: e.hash, message: e.error });
        this.emitState(e);
      });
  }

  /** Adds the torrent to the engine (resume data trusted when clean) and wires its events. */
  private async run(e: Entry): Promise<void> {
    if (e.torrent !== undefined || this.closed) return;
    e.checking = true;
    e.error = undefined;
    this.emitState(e);
    let t: Torrent;
    try {
      t = await this.client.add(e.meta, {
        path: e.record.downloadDir,
        resume: this.store.resumePath(e.hash),
        peers: e.record.peers,
        ...(e.record.priorities && { priorities: e.record.priorities }),
        ...(e.record.superSeed === true && { superSeed: true }),
      });
      t.setRateLimits({ download: e.record.downloadLimit, upload: e.record.uploadLimit });
    } catch (err) {
      e.checking = false;
      e.error = toApiError(err).message;
      this.emitState(e);
      throw err;
    } finally {
      e.checking = false;
    }
    e.torrent = t;
    e.startedAt = Date.now();
    const onProgress = (): void => this.progressEvent(e);
    const onDone = (): void => {
      if (e.record.doneAt === undefined) {
        e.record.doneAt = Date.now();
        this.store.markDirty();
      }
      this.emitEvent({ type: 'done', infoHash: e.hash, name: e.meta.name });
      this.emitState(e);
    };
    const onError = (err: Error): void => {
      e.error = err.message;
      this.emitEvent({ type: 'error', infoHash: e.hash, message: err.message });
      this.emitState(e);
    };
    const onWarning = (msg: string): void => {
      if (msg.startsWith('tracker:')) {
        e.trackerError = msg.slice(8).trim();
        e.trackerErrorAt = Date.now();
      }
    };
    t.on('progress', onProgress);
    t.on('done', onDone);
    t.on('error', onError);
    t.on('warning', onWarning);
    e.detach = () => {
      t.off('progress', onProgress);
      t.off('done', onDone);
      t.off('error', onError);
      t.off('warning', onWarning);
    };
    this.emitState(e);
  }

  private async halt(e: Entry): Promise<void> {
    const t = e.torrent;
    if (t === undefined) return;
    const p = t.progress();
    await t.close();
    e.detach?.();
    e.detach = undefined;
    e.lastHave = new Bitfield(e.meta.pieceCount, Uint8Array.from(t.have.buffer));
    e.addTotals(p.downloaded, p.uploaded);
    e.torrent = undefined;
  }

  private emitState(e: Entry): void {
    // The next progress event always goes out: clients zero peers and rates on a state
    // change, and a torrent started again often reaches the exact figures it had before it
    // stopped (the list then showed 0 / 0 peers while the detail view had them).
    e.lastSig = '';
    this.emitEvent({ type: 'state', infoHash: e.hash, state: e.state, error: e.error ?? null });
  }

  private progressEvent(e: Entry): void {
    if (this.listenerCount('event') === 0) return;
    const s = summary(e);
    const sig = `${s.state}|${s.progress}|${s.downloadRate}|${s.uploadRate}|${s.peers}|${s.seeds}`;
    if (sig === e.lastSig) return;
    e.lastSig = sig;
    this.emitEvent({ type: 'progress', torrent: s });
  }

  start(e: Entry): Promise<void> {
    return e.serial(async () => {
      e.record.stopped = false;
      await this.store.flush();
      if (e.pending) return this.fetchMeta(e);
      await this.run(e).catch((err: unknown) => {
        throw toApiError(err);
      });
    });
  }

  /**
   * Stops a torrent. With `drain`, it first hands the pieces only it holds (fewer than
   * minCopies copies among the peers) to peers that lack them (Torrent.drain; 'drain'
   * events while it runs) and returns the drain's result.
   */
  stop(e: Entry, drain?: { minCopies?: number; timeoutMs?: number }): Promise<DrainResult | undefined> {
    return e.serial(async () => {
      e.record.stopped = true;
      if (e.pending) {
        // No metadata yet: the fetch ends; start fetches again.
        e.fetching?.abort();
        e.fetching = undefined;
        e.error = undefined;
        await this.store.flush();
        this.emitState(e);
        return undefined;
      }
      let drained: DrainResult | undefined;
      if (drain !== undefined && e.torrent !== undefined) {
        drained = await e.torrent.drain({ ...drain, close: false, onProgress: (p) => this.emitEvent({ type: 'drain', infoHash: e.hash, ...p }) });
      }
      await this.halt(e);
      await this.store.flush();
      this.emitState(e);
      return drained;
    });
  }

  /**
   * Re-hashes the data. A running torrent is rechecked in place (Torrent.recheck: peers
   * come back after); a stopped one is started without its resume data (every piece on
   * disk is hashed) and stopped again.
   */
  verify(e: Entry): Promise<void> {
    return e.serial(async () => {
      if (e.pending) throw new ApiError('CONFLICT', 'the metadata is not in yet: nothing to verify', { infoHash: e.hash });
      const t = e.torrent;
      if (t !== undefined && t.state !== 'closed' && t.state !== 'error') {
        const done = t.recheck();
        this.emitState(e);
        await done.catch((err: unknown) => {
          throw toApiError(err);
        });
        this.emitState(e);
        return;
      }
      await this.halt(e);
      await unlink(this.store.resumePath(e.hash)).catch(() => {});
      await this.run(e).catch((err: unknown) => {
        throw toApiError(err);
      });
      if (e.record.stopped) {
        await this.halt(e);
        this.emitState(e);
      }
    });
  }

  remove(e: Entry, deleteData: boolean): Promise<void> {
    return e.serial(async () => {
      if (this.entries.get(e.hash) !== e) return;
      e.fetching?.abort();
      e.fetching = undefined;
      await this.halt(e);
      this.entries.delete(e.hash);
      this.byId.delete(e.id);
      if (deleteData && !e.pending) {
        const s = new FsStorage(e.meta, e.record.downloadDir);
        await s.deleteData().finally(() => s.close().catch(() => {}));
      }
      await this.store.flush();
      await this.store.forget(e.hash);
      this.emitEvent({ type: 'removed', infoHash: e.hash });
    });
  }

  /** Sets file priorities (one per file, or a map index -> priority). */
  setPriorities(e: Entry, given: readonly Priority[] | Record<string, Priority>): Promise<void> {
    if (e.pending) throw new ApiError('CONFLICT', 'the metadata is not in yet: no file list', { infoHash: e.hash });
    const cur = e.record.priorities ?? e.meta.files.map((): Priority => 'normal');
    const next = [...cur];
    if (Array.isArray(given)) {
      if (given.length !== e.meta.files.length) throw new ApiError('INVALID_ARGUMENT', `expected ${e.meta.files.length} priorities, got ${given.length}`);
      given.forEach((p, i) => (next[i] = p));
    } else {
      for (const [k, p] of Object.entries(given)) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= e.meta.files.length) throw new ApiError('INVALID_ARGUMENT', `file index ${k} out of range`, { index: k });
        next[i] = p;
      }
    }
    const checked = checkPriorities(next, e.meta);
    e.record.priorities = checked;
    const t = e.torrent;
    if (t !== undefined) t.setFilePriorities(checked);
    return this.store.flush();
  }

  /** Per-torrent limits in bytes/s (0 = none), under the global ones; saved and applied at once. */
  setLimits(e: Entry, limits: { download?: unknown; upload?: unknown }): Promise<void> {
    const d = limits.download === undefined ? e.record.downloadLimit : checkRate(limits.download, 'download');
    const u = limits.upload === undefined ? e.record.uploadLimit : checkRate(limits.upload, 'upload');
    e.record.downloadLimit = d;
    e.record.uploadLimit = u;
    e.torrent?.setRateLimits({ download: d, upload: u });
    return this.store.flush();
  }

  /** Stops every torrent cleanly (resume data written), saves state, closes the engine. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.entries.values()) e.fetching?.abort();
    await Promise.all([...this.entries.values()].map((e) => e.op.catch(() => {})));
    await this.client.close();
    for (const e of this.entries.values()) {
      e.detach?.();
      const p = e.torrent?.progress();
      if (p) e.addTotals(p.downloaded, p.uploaded);
    }
    await this.store.flush();
  }
}
