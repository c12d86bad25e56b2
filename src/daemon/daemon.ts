import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientOptions } from '../engine/index.js';
import { apiRoutes } from './api.js';
import { ApiError, toApiError } from './errors.js';
import { sendError } from './http.js';
import { TorrentManager } from './manager.js';
import { Router } from './router.js';
import { TransmissionRpc } from './rpc.js';
import { Guard } from './security.js';
import type { AuthMode } from './security.js';
import { Sharer } from './share.js';
import { serveStatic } from './static.js';
import { serveVendor } from './vendor.js';
import { StateStore } from './store.js';
import { loadOrCreateToken } from './token.js';

/**
 * Engine settings passed to the daemon's Client as they are: connections over all torrents,
 * peers and upload slots per torrent, peer sources besides trackers (DHT, LSD; default none,
 * closed with the daemon).
 */
type EngineSettings = Pick<ClientOptions, 'maxConnections' | 'maxPeers' | 'uploadSlots' | 'discovery'>;

export interface DaemonOptions extends EngineSettings {
  /** Data folder: state, .torrent files, resume data, token. */
  readonly dataDir: string;
  /** API address (default 127.0.0.1) and port (default 9091; 0 = any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Default download folder (default <dataDir>/downloads); downloads may go anywhere inside it. */
  readonly downloadDir?: string;
  /** Folders whose files and subfolders may be shared (default: the download folder). */
  readonly shareRoots?: readonly string[];
  /** Peer (BitTorrent) listen port and address (default 6881 on '::'). */
  readonly peerPort?: number;
  readonly peerHost?: string;
  /** Trackers put into shared torrents. */
  readonly trackers?: readonly string[];
  /** A shoal tracker's HTTP base URL (its catalog: fetch by info-hash, register shares). */
  readonly catalog?: string;
  readonly catalogToken?: string;
  /** How long an add by magnet or info-hash waits for a peer to send the metadata, ms (default 60 s). */
  readonly metadataTimeout?: number;
  /** 'remote' (default): token needed from untrusted addresses; 'always': from everyone. */
  readonly auth?: AuthMode;
  /** Addresses trusted without token (default: loopback); a function decides alone. */
  readonly trusted?: readonly string[] | ((address: string) => boolean);
  readonly allowedHosts?: readonly string[];
  readonly allowedOrigins?: readonly string[];
  /** Peers unchoked at once over all torrents (default 40; 0 = no global cap). */
  readonly maxUploadSlots?: number;
  /**
   * Global rate limits, bytes/s (0 = none). Given, they replace the limits saved in the data
   * folder (set through the API); absent, the saved ones apply.
   */
  readonly downloadLimit?: number;
  readonly uploadLimit?: number;
  /**
   * Folder of the web UI's built files. Default: the `web` folder next to the compiled
   * daemon (dist/daemon -> dist/web) when it holds an index.html; false: no web UI.
   */
  readonly webRoot?: string | false;
  /** Tests: lowest re-announce interval honoured. */
  readonly minAnnounceInterval?: number;
}

export interface Daemon {
  readonly url: string;
  readonly port: number;
  readonly peerPort: number;
  readonly token: string;
  /** True when the token was created by this start (print it once). */
  readonly tokenCreated: boolean;
  readonly manager: TorrentManager;
  /** Restored torrents and how long restoring took. */
  readonly restored: { restored: number; failed: number; hashedPieces: number; ms: number };
  close(): Promise<void>;
}

/** Global upload slots when not configured: enough for a few busy torrents, bounded for a thousand. */
const DEFAULT_MAX_UPLOAD_SLOTS = 40;

/** The built web UI next to this module (dist/daemon/daemon.js -> dist/web), if present. */
export function defaultWebRoot(): string | undefined {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'web');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** Starts a daemon: restores its torrents, then serves the JSON API, Transmission RPC and web UI. */
export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const dataDir = resolve(o.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const downloadDir = resolve(o.downloadDir ?? join(dataDir, 'downloads'));
  await mkdir(downloadDir, { recursive: true });
  const shareRoots = (o.shareRoots?.length ? o.shareRoots : [downloadDir]).map((p) => resolve(p));
  const downloadRoots = [downloadDir, ...shareRoots.filter((r) => r !== downloadDir)];
  const { token, created } = await loadOrCreateToken(dataDir);
  const store = new StateStore(dataDir);
  await store.init();
  const manager = new TorrentManager({
    store,
    downloadDir,
    ...(o.catalog !== undefined && { catalog: o.catalog }),
    ...(o.metadataTimeout !== undefined && { metadataTimeout: o.metadataTimeout }),
    client: {
      port: o.peerPort ?? 6881,
      ...(o.peerHost !== undefined && { host: o.peerHost }),
      ...(o.maxConnections !== undefined && { maxConnections: o.maxConnections }),
      ...(o.maxPeers !== undefined && { maxPeers: o.maxPeers }),
      ...(o.uploadSlots !== undefined && { uploadSlots: o.uploadSlots }),
      maxUploadSlots: o.maxUploadSlots === undefined ? DEFAULT_MAX_UPLOAD_SLOTS : o.maxUploadSlots === 0 ? Infinity : o.maxUploadSlots,
      ...(o.downloadLimit !== undefined && { downloadLimit: o.downloadLimit }),
      ...(o.discovery !== undefined && { discovery: o.discovery }),
      ...(o.uploadLimit !== undefined && { uploadLimit: o.uploadLimit }),
      ...(o.minAnnounceInterval !== undefined && { minAnnounceInterval: o.minAnnounceInterval }),
    },
  });
  let peerPort: number;
  try {
    peerPort = await manager.client.ready();
  } catch (e) {
    await manager.close().catch(() => {});
    throw e;
  }
  const t0 = performance.now();
  const r = await manager.restore();
  const restored = { ...r, ms: performance.now() - t0 };
  const sharer = new Sharer(manager, o.catalogToken);
  const session = (): Record<string, unknown> => ({
    version: 1,
    dataDir,
    downloadDir,
    shareRoots,
    trackers: o.trackers ?? [],
    catalog: o.catalog ?? null,
    peerPort,
    maxConnections: o.maxConnections ?? 200,
    maxPeers: o.maxPeers ?? 50,
    uploadSlots: o.uploadSlots ?? 4,
    maxUploadSlots: Number.isFinite(manager.client.maxUploadSlots) ? manager.client.maxUploadSlots : 0,
    downloadLimit: manager.client.rateLimits.download,
    uploadLimit: manager.client.rateLimits.upload,
    rateLimitsEnforced: true,
    connections: manager.client.connections,
    torrents: manager.list().length,
  });
  const webRoot = o.webRoot === false ? undefined : (o.webRoot ?? defaultWebRoot());
  const router = new Router();
  apiRoutes(router, { manager, sharer, downloadRoots, shareRoots, trackers: o.trackers ?? [], session });
  const rpc = new TransmissionRpc({ manager, downloadRoots, shareRoots, session });
  const guard = new Guard({ token, auth: o.auth ?? 'remote', ...(o.trusted && { trusted: o.trusted }), ...(o.allowedHosts && { allowedHosts: o.allowedHosts }), ...(o.allowedOrigins && { allowedOrigins: o.allowedOrigins }) });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://daemon.invalid');
    const path = url.pathname;
    const isRpc = path === '/transmission/rpc' || path === '/transmission/rpc/';
    try {
      if (path.startsWith('/api/') || path === '/api' || isRpc || path.startsWith('/transmission/')) {
        guard.check(req, url, { customHeaderProtocol: isRpc });
        if (isRpc) return await rpc.handle(req, res);
        const hit = router.match(req.method ?? 'GET', path);
        if (!hit) throw new ApiError('NOT_FOUND', `no endpoint ${req.method} ${path}`);
        await hit.handler({ req, res, url, params: hit.params });
        return;
      }
      if (!guard.hostAllowed(req.headers.host)) throw new ApiError('PERMISSION_DENIED', 'Host header not allowed');
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError('NOT_FOUND', `no endpoint ${req.method} ${path}`);
      if (webRoot !== undefined && (await serveVendor(path, res, req.method === 'HEAD'))) return;
      await serveStatic(webRoot, path, res, req.method === 'HEAD');
    } catch (e) {
      const err = toApiError(e);
      if (err.apiCode === 'INTERNAL') process.stderr.write(`shoal daemon: ${req.method} ${path}: ${err.message}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, err, err.apiCode === 'UNAUTHORIZED' && isRpc ? { 'WWW-Authenticate': 'Basic realm="shoal"' } : {});
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  const host = o.host ?? '127.0.0.1';
  const port = await new Promise<number>((res, rej) => {
    server.once('error', rej);
    server.listen({ host, port: o.port ?? 9091 }, () => {
      server.off('error', rej);
      const a = server.address();
      res(typeof a === 'object' && a !== null ? a.port : 0);
    });
  }).catch(async (e: unknown) => {
    await manager.close().catch(() => {});
    throw new ApiError('INTERNAL', `cannot listen on ${host}:${o.port ?? 9091}: ${(e as Error).message}`, { host, port: o.port ?? 9091 });
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    peerPort,
    token,
    tokenCreated: created,
    manager,
    restored,
    close: () =>
      (closing ??= (async () => {
        server.close();
        server.closeAllConnections();
        await manager.close();
      })()),
  };
}
