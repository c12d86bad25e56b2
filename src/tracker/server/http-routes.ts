import { memoryUsage } from 'node:process';
import type { TrackerContext } from './context.js';
import { catalogRoute, json } from './http-catalog.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './http-server.js';
import { httpAnnounce, httpScrape } from './http-tracker.js';
import { renderMetrics } from './stats.js';

/** The tracker's HTTP routes; announce and scrape stay on the synchronous fast path. */
export function trackerRoutes(ctx: TrackerContext): HttpHandler {
  return (req: HttpRequest): HttpResponse | Promise<HttpResponse> => {
    ctx.stats.httpRequests++;
    const p = req.path;
    if (p === '/announce') return req.method === 'GET' ? httpAnnounce(ctx, req.query, req.remoteAddress) : json(405, { error: 'use GET' });
    if (p === '/scrape') return req.method === 'GET' ? httpScrape(ctx, req.query) : json(405, { error: 'use GET' });
    if (p === '/torrents' || p.startsWith('/torrents/')) return catalogRoute(ctx, req);
    if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
    if (p === '/stats') return stats(ctx);
    if (p === '/metrics') return metrics(ctx);
    if (p === '/') return { status: 200, body: 'shoal tracker: /announce /scrape /torrents /stats /metrics\n' };
    return json(404, { error: 'not found' });
  };
}

async function stats(ctx: TrackerContext): Promise<HttpResponse> {
  const t = await ctx.store.totals(ctx.now());
  return json(200, { ...ctx.stats.snapshot(), ...t, store: ctx.store.kind, catalog: ctx.catalog.size, rssBytes: memoryUsage.rss() });
}

async function metrics(ctx: TrackerContext): Promise<HttpResponse> {
  const t = await ctx.store.totals(ctx.now());
  return { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: renderMetrics(ctx.stats, t, ctx.catalog.size) };
}
