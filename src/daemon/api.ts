import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';
import { detail, health, summary } from './describe.js';
import type { Entry } from './entry.js';
import { TORRENT_LIMIT, readBody, readJson, sendBytes, sendJson } from './http.js';
import type { AddRequest, TorrentManager } from './manager.js';
import { checkPathInRoots } from './paths.js';
import type { Router } from './router.js';
import { view } from './share.js';
import type { Sharer } from './share.js';
import { openEventStream } from './sse.js';
import type { Priority } from './store.js';

export interface ApiDeps {
  readonly manager: TorrentManager;
  readonly sharer: Sharer;
  /** Folders downloads may go to (first = default). */
  readonly downloadRoots: readonly string[];
  /** Folders that may be shared. */
  readonly shareRoots: readonly string[];
  readonly trackers: readonly string[];
  readonly session: () => Record<string, unknown>;
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError('INVALID_ARGUMENT', `${field} must be true or false`, { field });
}

function wholeNumber(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ApiError('INVALID_ARGUMENT', `${field} must be a whole number from ${min} to ${max}`, { field });
  return v;
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ApiError('INVALID_ARGUMENT', `${field} must be an array of strings`, { field });
  return v as string[];
}

/**
 * Per-piece picture data: our have bitfield (BEP 3 layout) and, per piece, how many
 * connected peers hold it (capped at 255), both base64.
 */
export function pieces(e: Entry): { infoHash: string; pieceCount: number; peers: number; have: string; availability: string } {
  const n = e.meta.pieceCount;
  const t = e.torrent;
  const avail = new Uint8Array(n);
  if (t !== undefined) for (let i = 0; i < n; i++) avail[i] = Math.min(255, t.picker.availability(i));
  return {
    infoHash: e.hash,
    pieceCount: n,
    peers: t?.peers.length ?? 0,
    have: Buffer.from(e.have.buffer).toString('base64'),
    availability: Buffer.from(avail).toString('base64'),
  };
}

const PEER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** Routes of the JSON API under /api/v1 (documented in docs/api.md). */
export function apiRoutes(r: Router, d: ApiDeps): void {
  const m = d.manager;
  const P = '/api/v1';

  const addOptions = async (o: { downloadDir?: unknown; paused?: unknown; peers?: unknown; priorities?: unknown; superSeed?: unknown }): Promise<AddRequest> => {
    const peers = strings(o.peers, 'peers');
    if (peers) for (const p of peers) if (!PEER.test(p)) throw new ApiError('INVALID_ARGUMENT', `not a peer address (host:port): ${p}`, { field: 'peers' });
    const priorities = strings(o.priorities, 'priorities') as Priority[] | undefined;
    const paused = bool(o.paused, 'paused');
    const superSeed = bool(o.superSeed, 'superSeed');
    return {
      ...(o.downloadDir !== undefined && { downloadDir: await checkPathInRoots(o.downloadDir, d.downloadRoots, 'downloadDir') }),
      ...(paused !== undefined && { paused }),
      ...(peers && { peers }),
      ...(priorities && { priorities }),
      ...(superSeed !== undefined && { superSeed }),
    };
  };

  r.on('GET', `${P}`, ({ res }) => sendJson(res, 200, { name: 'shoal', api: 1, endpoints: `${P}/torrents, ${P}/share, ${P}/events, ${P}/session` }));
  r.on('GET', `${P}/session`, ({ res }) => sendJson(res, 200, d.session()));
  const setSession = async ({ req, res }: { req: IncomingMessage; res: import('node:http').ServerResponse }): Promise<void> => {
    const o = await readJson(req);
    const known = new Set(['downloadLimit', 'uploadLimit']);
    const bad = Object.keys(o).find((k) => !known.has(k));
    if (bad !== undefined) throw new ApiError('INVALID_ARGUMENT', `unknown session setting ${bad} (settable: ${[...known].join(', ')})`, { field: bad });
    await m.setSessionLimits({ download: o['downloadLimit'], upload: o['uploadLimit'] });
    sendJson(res, 200, d.session());
  };
  r.on('PUT', `${P}/session`, setSession);
  r.on('PATCH', `${P}/session`, setSession);

  r.on('GET', `${P}/torrents`, ({ res }) => sendJson(res, 200, { torrents: m.list().map(summary) }));

  r.on('POST', `${P}/torrents`, async ({ req, res, url }) => {
    const type = contentType(req);
    let entry;
    if (type === 'application/x-bittorrent' || type === 'application/octet-stream') {
      const q = Object.fromEntries(url.searchParams);
      const opts = await addOptions({ downloadDir: q['downloadDir'], paused: q['paused'], superSeed: q['superSeed'], peers: url.searchParams.getAll('peer').length ? url.searchParams.getAll('peer') : undefined });
      const body = await readBody(req, TORRENT_LIMIT);
      if (body.length === 0) throw new ApiError('INVALID_ARGUMENT', 'empty .torrent body');
      entry = await m.addTorrent(body, opts);
    } else {
      const o = await readJson(req, TORRENT_LIMIT * 2);
      // Magnet / info-hash: answered at once (state 'metadata') unless wait: true (or ?wait=true).
      const wait = bool(o['wait'] ?? url.searchParams.get('wait') ?? undefined, 'wait');
      const opts = { ...(await addOptions(o)), ...(wait !== undefined && { wait }) };
      const sources = ['torrent', 'magnet', 'infoHash'].filter((k) => o[k] !== undefined);
      if (sources.length !== 1) throw new ApiError('INVALID_ARGUMENT', 'give exactly one of torrent (base64 .torrent), magnet, infoHash');
      if (o['torrent'] !== undefined) {
        if (typeof o['torrent'] !== 'string' || !/^[A-Za-z0-9+/=\s_-]*$/.test(o['torrent'])) throw new ApiError('INVALID_ARGUMENT', 'torrent must be the .torrent file in base64', { field: 'torrent' });
        entry = await m.addTorrent(Buffer.from(o['torrent'], 'base64'), opts);
      } else if (o['magnet'] !== undefined) {
        if (typeof o['magnet'] !== 'string') throw new ApiError('INVALID_ARGUMENT', 'magnet must be a string', { field: 'magnet' });
        entry = await m.addMagnet(o['magnet'], opts);
      } else {
        if (typeof o['infoHash'] !== 'string') throw new ApiError('INVALID_ARGUMENT', 'infoHash must be a string', { field: 'infoHash' });
        entry = await m.addInfoHash(o['infoHash'], opts);
      }
    }
    sendJson(res, 201, detail(entry), { Location: `${P}/torrents/${entry.hash}` });
  });

  r.on('GET', `${P}/torrents/:id`, ({ res, params }) => sendJson(res, 200, detail(m.get(params['id']!))));
  r.on('GET', `${P}/torrents/:id/health`, ({ res, params }) => sendJson(res, 200, health(m.get(params['id']!))));
  r.on('GET', `${P}/torrents/:id/pieces`, ({ res, params }) => sendJson(res, 200, pieces(m.get(params['id']!))));
  r.on('GET', `${P}/torrents/:id/peers`, ({ res, params }) => sendJson(res, 200, { peers: m.get(params['id']!).torrent?.peers ?? [] }));
  r.on('GET', `${P}/torrents/:id/torrent`, async ({ res, params }) => {
    const e = m.get(params['id']!);
    if (e.pending) throw new ApiError('NOT_FOUND', `the metadata of ${e.hash} is not in yet`, { infoHash: e.hash });
    const bytes = await m.store.readTorrent(e.hash);
    sendBytes(res, 200, 'application/x-bittorrent', bytes, { 'Content-Disposition': `attachment; filename="${e.hash}.torrent"` });
  });

  for (const action of ['start', 'verify'] as const) {
    r.on('POST', `${P}/torrents/:id/${action}`, async ({ res, params }) => {
      const e = m.get(params['id']!);
      await m[action](e);
      sendJson(res, 200, summary(e));
    });
  }
  // Optional body { drain: true, minCopies?: K, timeout?: seconds }: hand out the pieces at risk first.
  r.on('POST', `${P}/torrents/:id/stop`, async ({ req, res, params }) => {
    const e = m.get(params['id']!);
    const o = await readJson(req);
    const drain = bool(o['drain'], 'drain') === true;
    const minCopies = wholeNumber(o['minCopies'], 'minCopies', 1, 1000);
    const timeout = wholeNumber(o['timeout'], 'timeout', 0, 86_400);
    if (!drain && (minCopies !== undefined || timeout !== undefined)) throw new ApiError('INVALID_ARGUMENT', 'minCopies and timeout need drain: true', { field: 'drain' });
    const result = await m.stop(e, drain ? { ...(minCopies !== undefined && { minCopies }), ...(timeout !== undefined && { timeoutMs: timeout * 1000 }) } : undefined);
    sendJson(res, 200, drain ? { ...summary(e), drain: result ?? null } : summary(e));
  });

  r.on('DELETE', `${P}/torrents/:id`, async ({ res, params, url }) => {
    const e = m.get(params['id']!);
    const deleteData = bool(url.searchParams.get('deleteData') ?? undefined, 'deleteData') ?? false;
    await m.remove(e, deleteData);
    sendJson(res, 200, { removed: e.hash, deletedData: deleteData });
  });

  const setFiles = async ({ req, res, params }: { req: IncomingMessage; res: import('node:http').ServerResponse; params: Record<string, string> }): Promise<void> => {
    const e = m.get(params['id']!);
    const o = await readJson(req);
    const p = o['priorities'];
    if (typeof p !== 'object' || p === null) throw new ApiError('INVALID_ARGUMENT', 'priorities must be an array (one per file) or an object {index: priority}', { field: 'priorities' });
    await m.setPriorities(e, p as Priority[] | Record<string, Priority>);
    sendJson(res, 200, detail(e));
  };
  r.on('PUT', `${P}/torrents/:id/files`, setFiles);
  r.on('PATCH', `${P}/torrents/:id/files`, setFiles);

  const setLimits = async ({ req, res, params }: { req: IncomingMessage; res: import('node:http').ServerResponse; params: Record<string, string> }): Promise<void> => {
    const e = m.get(params['id']!);
    const o = await readJson(req);
    await m.setLimits(e, { download: o['download'], upload: o['upload'] });
    sendJson(res, 200, { download: e.record.downloadLimit, upload: e.record.uploadLimit });
  };
  r.on('PUT', `${P}/torrents/:id/limits`, setLimits);
  r.on('PATCH', `${P}/torrents/:id/limits`, setLimits);

  r.on('POST', `${P}/share`, async ({ req, res }) => {
    const o = await readJson(req);
    const path = await checkPathInRoots(o['path'], d.shareRoots, 'path');
    const trackers = strings(o['trackers'], 'trackers') ?? [...d.trackers];
    for (const t of trackers) if (!/^(https?|udp):\/\/\S+$/i.test(t)) throw new ApiError('INVALID_ARGUMENT', `not a tracker URL: ${t}`, { field: 'trackers' });
    const priv = bool(o['private'], 'private');
    if (o['comment'] !== undefined && typeof o['comment'] !== 'string') throw new ApiError('INVALID_ARGUMENT', 'comment must be a string', { field: 'comment' });
    if (d.sharer.list().some((j) => j.path === path && (j.state === 'hashing' || j.state === 'adding'))) {
      throw new ApiError('CONFLICT', `${path} is already being shared`, { path });
    }
    const job = d.sharer.start({ path, trackers, ...(priv !== undefined && { private: priv }), ...(typeof o['comment'] === 'string' && { comment: o['comment'] }) });
    if (bool(o['wait'], 'wait') === true) {
      await job.finished;
      if (job.error) throw new ApiError(job.error.code as 'INTERNAL', job.error.message);
      sendJson(res, 201, { job: view(job), torrent: detail(m.get(job.infoHash!)) });
      return;
    }
    sendJson(res, 202, { job: view(job) }, { Location: `${P}/share/${job.id}` });
  });
  r.on('GET', `${P}/share`, ({ res }) => sendJson(res, 200, { jobs: d.sharer.list().map(view) }));
  r.on('GET', `${P}/share/:id`, ({ res, params }) => {
    const job = d.sharer.get(params['id']!);
    if (!job) throw new ApiError('NOT_FOUND', `no share job ${params['id']}`);
    sendJson(res, 200, view(job));
  });

  r.on('GET', `${P}/events`, ({ req, res }) => openEventStream(req, res, m));
}
