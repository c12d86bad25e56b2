import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { summary } from './describe.js';
import type { Entry } from './entry.js';
import { ApiError, toApiError } from './errors.js';
import { BASE_HEADERS, readJson, sendJson } from './http.js';
import type { AddRequest, TorrentManager } from './manager.js';
import { checkPathInRoots } from './paths.js';
import { trField } from './rpc-fields.js';
import type { Priority } from './store.js';

export interface RpcDeps {
  readonly manager: TorrentManager;
  readonly downloadRoots: readonly string[];
  readonly shareRoots: readonly string[];
  readonly session: () => Record<string, unknown>;
}

type Args = Record<string, unknown>;

/**
 * Transmission-compatible RPC (the subset `transmission-remote` and common clients use):
 * session-get/-set/-stats, torrent-get/-add/-start/-start-now/-stop/-verify/-remove/-set/-reannounce.
 * CSRF: the X-Transmission-Session-Id handshake (409 with the id on first contact).
 */
export class TransmissionRpc {
  readonly sessionId = randomBytes(24).toString('base64url');
  private readonly d: RpcDeps;
  private readonly started = Date.now();

  constructor(d: RpcDeps) {
    this.d = d;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers['x-transmission-session-id'] !== this.sessionId) {
      const body = '<h1>409: Conflict</h1><p>Your request had an invalid session-id header.</p>\n';
      res.writeHead(409, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'X-Transmission-Session-Id': this.sessionId, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { result: 'method not allowed: use POST' }, { 'X-Transmission-Session-Id': this.sessionId });
      return;
    }
    let tag: unknown;
    let out: { result: string; arguments: Args; tag?: unknown };
    try {
      const body = await readJson(req, 32 << 20);
      tag = body['tag'];
      const method = body['method'];
      const args = (typeof body['arguments'] === 'object' && body['arguments'] !== null ? body['arguments'] : {}) as Args;
      if (typeof method !== 'string') throw new ApiError('INVALID_ARGUMENT', 'no method name');
      out = { result: 'success', arguments: await this.call(method, args) };
    } catch (e) {
      out = { result: toApiError(e).message, arguments: {} };
    }
    if (typeof tag === 'number') out.tag = tag;
    sendJson(res, 200, out, { 'X-Transmission-Session-Id': this.sessionId });
  }

  private async call(method: string, a: Args): Promise<Args> {
    const m = this.d.manager;
    switch (method) {
      case 'session-get':
        return this.sessionGet();
      case 'session-set':
        await this.sessionSet(a);
        return {};
      case 'session-stats':
        return this.stats();
      case 'torrent-get':
        return this.torrentGet(a);
      case 'torrent-add':
        return this.torrentAdd(a);
      case 'torrent-start':
      case 'torrent-start-now':
        await Promise.all(this.select(a['ids']).map((e) => m.start(e)));
        return {};
      case 'torrent-stop':
        await Promise.all(this.select(a['ids']).map((e) => m.stop(e)));
        return {};
      case 'torrent-verify':
        await Promise.all(this.select(a['ids']).map((e) => m.verify(e)));
        return {};
      case 'torrent-reannounce':
        this.select(a['ids']);
        return {};
      case 'torrent-remove': {
        const del = a['delete-local-data'] === true;
        await Promise.all(this.select(a['ids']).map((e) => m.remove(e, del)));
        return {};
      }
      case 'torrent-set':
        await this.torrentSet(a);
        return {};
      case 'free-space':
        return { path: a['path'] ?? '', 'size-bytes': -1 };
      case 'port-test':
        return { 'port-is-open': false };
      default:
        throw new ApiError('INVALID_ARGUMENT', 'method name not recognized');
    }
  }

  /** `ids`: absent = all; a number, a hash, or an array of both; 'recently-active' = all. */
  private select(ids: unknown): Entry[] {
    const m = this.d.manager;
    if (ids === undefined || ids === 'recently-active') return m.list();
    const list = Array.isArray(ids) ? ids : [ids];
    const out: Entry[] = [];
    for (const id of list) {
      const e = typeof id === 'number' || typeof id === 'string' ? m.find(id) : undefined;
      if (e) out.push(e);
    }
    return out;
  }

  private sessionGet(): Args {
    const s = this.d.session();
    const dl = Number(s['downloadLimit'] ?? 0);
    const ul = Number(s['uploadLimit'] ?? 0);
    return {
      'rpc-version': 15,
      'rpc-version-minimum': 1,
      version: '3.00 (shoal)',
      'session-id': this.sessionId,
      'download-dir': this.d.manager.downloadDir,
      'peer-port': s['peerPort'],
      'peer-limit-global': s['maxConnections'],
      'peer-limit-per-torrent': s['maxPeers'],
      'speed-limit-down': Math.round((dl || (this.d.manager.settings.downloadLimitValue ?? 0)) / 1000),
      'speed-limit-down-enabled': dl > 0,
      'speed-limit-up': Math.round((ul || (this.d.manager.settings.uploadLimitValue ?? 0)) / 1000),
      'speed-limit-up-enabled': ul > 0,
      'alt-speed-enabled': false,
      'alt-speed-down': 0,
      'alt-speed-up': 0,
      'alt-speed-time-enabled': false,
      'alt-speed-time-begin': 540,
      'alt-speed-time-end': 1020,
      'alt-speed-time-day': 127,
      encryption: 'tolerated',
      'dht-enabled': false,
      'pex-enabled': false,
      'lpd-enabled': false,
      'utp-enabled': false,
      'port-forwarding-enabled': false,
      'start-added-torrents': true,
      'seedRatioLimit': 2,
      'seedRatioLimited': false,
      'download-queue-enabled': false,
      'seed-queue-enabled': false,
      'config-dir': s['dataDir'],
      units: { 'speed-units': ['kB/s', 'MB/s', 'GB/s', 'TB/s'], 'speed-bytes': 1000, 'size-units': ['kB', 'MB', 'GB', 'TB'], 'size-bytes': 1000, 'memory-units': ['KiB', 'MiB', 'GiB', 'TiB'], 'memory-bytes': 1024 },
    };
  }

  /** speed-limit-down/-up in kB/s (1000 bytes) and their -enabled flags; other settings are ignored. */
  private async sessionSet(a: Args): Promise<void> {
    const kb = (k: string): number | undefined => {
      const v = a[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ApiError('INVALID_ARGUMENT', `${k} must be a number of kB/s >= 0`, { field: k });
      return Math.round(v * 1000);
    };
    const flag = (k: string): boolean | undefined => (typeof a[k] === 'boolean' ? (a[k] as boolean) : undefined);
    // A value without its -enabled flag changes the limit only while it is enabled (Transmission).
    const cur = this.d.manager.settings;
    const down = kb('speed-limit-down');
    const up = kb('speed-limit-up');
    const l = {
      download: down,
      upload: up,
      downloadEnabled: flag('speed-limit-down-enabled') ?? (down !== undefined ? (cur.downloadLimit ?? 0) > 0 : undefined),
      uploadEnabled: flag('speed-limit-up-enabled') ?? (up !== undefined ? (cur.uploadLimit ?? 0) > 0 : undefined),
    };
    if (Object.values(l).some((v) => v !== undefined)) await this.d.manager.setSessionLimits(l);
  }

  private stats(): Args {
    const all = this.d.manager.list().map(summary);
    const down = all.reduce((a, s) => a + s.downloaded, 0);
    const up = all.reduce((a, s) => a + s.uploaded, 0);
    const secs = Math.floor((Date.now() - this.started) / 1000);
    const cur = { uploadedBytes: up, downloadedBytes: down, filesAdded: all.length, sessionCount: 1, secondsActive: secs };
    return {
      activeTorrentCount: all.filter((s) => s.state !== 'stopped').length,
      pausedTorrentCount: all.filter((s) => s.state === 'stopped').length,
      torrentCount: all.length,
      downloadSpeed: Math.round(all.reduce((a, s) => a + s.downloadRate, 0)),
      uploadSpeed: Math.round(all.reduce((a, s) => a + s.uploadRate, 0)),
      'cumulative-stats': cur,
      'current-stats': cur,
    };
  }

  private torrentGet(a: Args): Args {
    const fields = Array.isArray(a['fields']) ? (a['fields'] as unknown[]).filter((f): f is string => typeof f === 'string') : ['id', 'name', 'hashString'];
    const table = a['format'] === 'table';
    const rows = this.select(a['ids']).map((e) => {
      const s = summary(e);
      const o: Args = {};
      for (const f of fields) {
        const v = trField(e, f, s);
        if (v !== undefined) o[f] = v;
      }
      return o;
    });
    if (table) return { torrents: [fields, ...rows.map((r) => fields.map((f) => r[f] ?? null))] };
    return { torrents: rows, ...(a['ids'] === 'recently-active' && { removed: [] }) };
  }

  private async torrentAdd(a: Args): Promise<Args> {
    const m = this.d.manager;
    const req: AddRequest = {
      ...(typeof a['download-dir'] === 'string' && { downloadDir: await checkPathInRoots(a['download-dir'], this.d.downloadRoots, 'download-dir') }),
      ...(a['paused'] === true && { paused: true }),
    };
    let e: Entry;
    try {
      if (typeof a['metainfo'] === 'string') e = await m.addTorrent(Buffer.from(a['metainfo'], 'base64'), req);
      else if (typeof a['filename'] === 'string') {
        const f = a['filename'];
        if (/^magnet:/i.test(f)) e = await m.addMagnet(f, req);
        else if (/^[0-9a-fA-F]{40}$/.test(f)) e = await m.addInfoHash(f, req);
        else if (/^https?:/i.test(f)) throw new ApiError('INVALID_ARGUMENT', 'adding by URL is not supported: send the .torrent as metainfo');
        else {
          const path = await checkPathInRoots(f, [...this.d.shareRoots, ...this.d.downloadRoots], 'filename');
          e = await m.addTorrent(await readFile(path).catch(() => {
            throw new ApiError('NOT_FOUND', `cannot read ${f}`);
          }), req);
        }
      } else throw new ApiError('INVALID_ARGUMENT', 'torrent-add needs metainfo or filename');
    } catch (err) {
      const ae = toApiError(err);
      const hash = ae.context['infoHash'];
      if (ae.apiCode === 'ALREADY_EXISTS' && typeof hash === 'string') {
        const dup = m.find(hash);
        if (dup) return { 'torrent-duplicate': { id: dup.id, name: dup.meta.name, hashString: dup.hash } };
      }
      throw ae;
    }
    const unwanted = Array.isArray(a['files-unwanted']) ? (a['files-unwanted'] as unknown[]) : [];
    if (!e.pending && (unwanted.length > 0 || Array.isArray(a['priority-high']) || Array.isArray(a['priority-low']))) await this.applyFiles(e, a);
    return { 'torrent-added': { id: e.id, name: e.meta.name, hashString: e.hash } };
  }

  private async applyFiles(e: Entry, a: Args): Promise<void> {
    const map: Record<string, Priority> = {};
    const n = e.meta.files.length;
    const all = (k: string): number[] => {
      const v = a[k];
      if (!Array.isArray(v)) return [];
      // An empty array means every file (Transmission's convention).
      return v.length === 0 ? Array.from({ length: n }, (_, i) => i) : v.filter((x): x is number => typeof x === 'number');
    };
    const cur = (i: number): Priority => map[i] ?? e.record.priorities?.[i] ?? 'normal';
    for (const i of all('files-wanted')) map[i] = cur(i) === 'skip' ? 'normal' : cur(i);
    for (const k of ['priority-high', 'priority-low', 'priority-normal'] as const) {
      const p: Priority = k === 'priority-high' ? 'high' : k === 'priority-low' ? 'low' : 'normal';
      for (const i of all(k)) map[i] = cur(i) === 'skip' ? 'skip' : p;
    }
    for (const i of all('files-unwanted')) map[i] = 'skip';
    if (Object.keys(map).length > 0) await this.d.manager.setPriorities(e, map);
  }

  private async torrentSet(a: Args): Promise<void> {
    const m = this.d.manager;
    for (const e of this.select(a['ids'])) {
      await this.applyFiles(e, a);
      const lim: { download?: number; upload?: number } = {};
      if (a['downloadLimited'] === false) lim.download = 0;
      else if (typeof a['downloadLimit'] === 'number' && (a['downloadLimited'] === true || e.record.downloadLimit > 0 || a['downloadLimited'] === undefined)) lim.download = Math.round(a['downloadLimit']) * 1000;
      if (a['uploadLimited'] === false) lim.upload = 0;
      else if (typeof a['uploadLimit'] === 'number') lim.upload = Math.round(a['uploadLimit']) * 1000;
      if (lim.download !== undefined || lim.upload !== undefined) await m.setLimits(e, lim);
    }
  }
}
