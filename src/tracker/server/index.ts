import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Server } from 'node:net';
import { AccessList } from './access-list.js';
import { Catalog } from './catalog.js';
import { resolveConfig, type ResolvedConfig, type TrackerOptions } from './config.js';
import { ConnectionIds } from './connection-id.js';
import type { TrackerContext } from './context.js';
import { TrackerServerError } from './errors.js';
import { createHttpServer, destroyConnections } from './http-server.js';
import { trackerRoutes } from './http-routes.js';
import { TrackerStats } from './stats.js';
import type { StoreTotals, SwarmStore } from './store/interface.js';
import { MemoryStore } from './store/memory.js';
import type { RedisStore, RedisStoreOptions } from './store/redis.js';
import { attachUdpTracker } from './udp-tracker.js';

export type { TrackerOptions } from './config.js';
export type { SwarmStore, StoreAnnounce, StoreAnnounceResult, StoreTotals, StoreOptions } from './store/interface.js';
export { MemoryStore } from './store/memory.js';
export type { RedisStore, RedisStoreOptions } from './store/redis.js';

/** Connects a redis-backed store; the `redis` client is loaded only when this is called. */
export async function connectRedisStore(opts: RedisStoreOptions): Promise<RedisStore> {
  const { RedisStore } = await import('./store/redis.js');
  return RedisStore.connect(opts);
}
export { TrackerServerError } from './errors.js';
export { AccessList } from './access-list.js';
export { ConnectionIds } from './connection-id.js';

/** A running tracker (HTTP and/or UDP on one store). */
export interface Tracker {
  /** Bound HTTP port, undefined when HTTP is off. */
  readonly httpPort: number | undefined;
  readonly udpPort: number | undefined;
  readonly host: string;
  readonly store: SwarmStore;
  readonly config: ResolvedConfig;
  /** Request counters. */
  stats(): Record<string, number>;
  /** Swarm, peer, seeder and leecher counts from the store. */
  totals(): Promise<StoreTotals>;
  /** Re-reads the allow or deny list; returns its size. The old list stays on error. */
  reloadAccessList(): Promise<number>;
  /** Expires idle peers now (also runs on a timer). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

async function openStore(o: TrackerOptions, cfg: ResolvedConfig): Promise<SwarmStore> {
  const s = o.store ?? 'memory';
  if (typeof s !== 'string') return s;
  const caps = { peerTtlMs: cfg.peerTtlMs, maxSwarms: o.maxSwarms, maxPeersPerSwarm: o.maxPeersPerSwarm, maxPeers: o.maxPeers };
  if (s === 'memory') return new MemoryStore(caps);
  if (/^rediss?:\/\//.test(s)) return connectRedisStore({ url: s, ...caps });
  throw new TrackerServerError('ETRACKER_CONFIG', `unknown store ${JSON.stringify(s)} (use memory or redis://HOST:PORT)`);
}

/**
 * Replies always go to the sender's IP literal, so skip dns.lookup (and its nextTick) on every
 * send: hand the address straight back, synchronously.
 */
const literalLookup = ((address: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void): void => {
  cb(null, address, address.includes(':') ? 6 : 4);
}) as unknown as NonNullable<SocketOptions['lookup']>;

function listenTcp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
}

function bindUdp(socket: Socket, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** Starts the HTTP and UDP front ends over one store. Port 0 binds an ephemeral port. */
export async function startTracker(opts: TrackerOptions = {}): Promise<Tracker> {
  if (opts.allowFile !== undefined && opts.denyFile !== undefined) {
    throw new TrackerServerError('ETRACKER_CONFIG', 'use an allow list or a deny list, not both');
  }
  const cfg = resolveConfig(opts);
  const host = opts.host ?? '0.0.0.0';
  const access =
    opts.allowFile !== undefined ? await AccessList.load('allow', opts.allowFile) : opts.denyFile !== undefined ? await AccessList.load('deny', opts.denyFile) : new AccessList('open');
  const store = await openStore(opts, cfg);
  const stats = new TrackerStats();
  const ctx: TrackerContext = { cfg, store, access, stats, catalog: new Catalog(cfg.maxCatalog, cfg.maxTorrentBytes), now: opts.now ?? Date.now };

  let http: Server | undefined;
  let udp: Socket | undefined;
  let httpPort: number | undefined;
  let udpPort: number | undefined;
  const cleanup = async () => {
    if (http) {
      const h = http;
      const done = new Promise<void>((r) => h.close(() => r()));
      destroyConnections(h);
      await done;
    }
    if (udp) await new Promise<void>((r) => udp!.close(() => r()));
    await store.close();
  };
  try {
    const httpOpt = opts.http ?? 6969;
    if (httpOpt !== false) {
      http = createHttpServer(trackerRoutes(ctx), {
        maxBodyBytes: (method, path) => (method === 'POST' && path.startsWith('/torrents') ? cfg.maxTorrentBytes : 0),
      });
      httpPort = await listenTcp(http, httpOpt, host);
    }
    const udpOpt = opts.udp ?? 6969;
    if (udpOpt !== false) {
      udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup });
      attachUdpTracker(ctx, new ConnectionIds({ windowMs: opts.connectionIdWindowMs }), udp);
      udpPort = await bindUdp(udp, udpOpt, host);
      udp.on('error', () => {});
    }
  } catch (e) {
    await cleanup().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    throw new TrackerServerError('ETRACKER_CONFIG', `cannot listen on ${host}: ${err.message}`, { code: err.code });
  }

  let sweeping = false;
  const sweep = async (): Promise<number> => {
    if (sweeping) return 0;
    sweeping = true;
    try {
      return await store.sweep(ctx.now());
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep().catch(() => {}), cfg.sweepIntervalMs);
  timer.unref();

  let closed: Promise<void> | undefined;
  return {
    httpPort,
    udpPort,
    host,
    store,
    config: cfg,
    stats: () => stats.snapshot(),
    totals: async () => store.totals(ctx.now()),
    reloadAccessList: async () => {
      if (ctx.access.file === undefined) return 0;
      const next = new AccessList(ctx.access.mode, ctx.access.file);
      const n = await next.reload();
      ctx.access = next;
      return n;
    },
    sweep,
    close: () => {
      closed ??= (async () => {
        clearInterval(timer);
        if (http) destroyConnections(http);
        await cleanup();
      })();
      return closed;
    },
  };
}
