import { timingSafeEqual } from 'node:crypto';
import { isShoalError } from '../../core/errors.js';
import type { CatalogEntry } from './catalog.js';
import type { TrackerContext } from './context.js';
import type { HttpRequest, HttpResponse } from './http-server.js';
import type { SwarmCounts } from '../protocol/http-response.js';

const JSON_TYPE = 'application/json';

export function json(status: number, v: unknown): HttpResponse {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(v) + '\n' };
}

function describe(e: CatalogEntry, c: SwarmCounts): Record<string, unknown> {
  const m = e.meta;
  return {
    name: m.name,
    infoHash: m.infoHash.hex,
    size: m.totalLength,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    files: m.files.length,
    seeders: c.complete,
    leechers: c.incomplete,
    completed: c.downloaded,
  };
}

function authorized(ctx: TrackerContext, req: HttpRequest): boolean {
  const token = ctx.cfg.catalogToken;
  if (token === undefined) return true;
  const h = req.headers.get('authorization') ?? '';
  const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function withCounts(ctx: TrackerContext, entries: CatalogEntry[]): Promise<Record<string, unknown>[]> {
  const counts = await ctx.store.scrape(entries.map((e) => e.meta.infoHash.bytes), ctx.now());
  return entries.map((e, i) => describe(e, counts[i]!));
}

/** /torrents routes: POST registers a .torrent; GET lists; GET /torrents/HEX[.torrent] shows one. */
export async function catalogRoute(ctx: TrackerContext, req: HttpRequest): Promise<HttpResponse> {
  if (req.path === '/torrents' || req.path === '/torrents/') {
    if (req.method === 'POST') {
      if (!authorized(ctx, req)) return json(401, { error: 'a valid bearer token is required', code: 'EUNAUTHORIZED' });
      try {
        const { entry, created } = ctx.catalog.add(req.body, ctx.now());
        return json(created ? 201 : 200, (await withCounts(ctx, [entry]))[0]);
      } catch (e) {
        const code = isShoalError(e) ? e.code : 'EINTERNAL';
        const reason = isShoalError(e) ? e.context['reason'] : undefined;
        const status = reason === 'too_large' ? 413 : reason === 'full' ? 503 : 400;
        return json(status, { error: e instanceof Error ? e.message : String(e), code });
      }
    }
    if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
    return json(200, await withCounts(ctx, ctx.catalog.list()));
  }
  if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
  const m = /^\/torrents\/([0-9a-fA-F]{40})(\.torrent)?$/.exec(req.path);
  if (!m) return json(404, { error: 'not found' });
  const entry = ctx.catalog.get(m[1]!);
  if (!entry) return json(404, { error: 'no such torrent', infoHash: m[1]!.toLowerCase() });
  if (m[2]) {
    return {
      status: 200,
      contentType: 'application/x-bittorrent',
      headers: { 'Content-Disposition': `attachment; filename="${entry.meta.infoHash.hex}.torrent"` },
      body: entry.torrent,
    };
  }
  return json(200, (await withCounts(ctx, [entry]))[0]);
}
