// A small HTTP file server for the web seed tests: serves files under `root` with Range
// support (206 + Content-Range), keep-alive, an optional rate limit, and a hook that can
// replace any answer (error statuses, redirects, corrupt or short bodies, ignored Range).
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';

export interface Served {
  readonly path: string;
  /** Requested range (inclusive end), or undefined without a Range header. */
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly at: number;
  status: number;
}

/** What to do instead of a normal answer. */
export type Override =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly corrupt: true }
  | { readonly ignoreRange: true }
  | { readonly short: true }
  | { readonly cut: true }
  | { readonly hang: true };

export interface WebSeedServer {
  readonly port: number;
  readonly base: string;
  readonly requests: Served[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly root: string;
  /** Bytes per second per response (default: unlimited). */
  readonly rate?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Return an Override to answer otherwise (n = 0-based number of this request). */
  readonly override?: (r: Served, n: number) => Override | undefined;
}

export async function startWebSeedServer(o: ServerOptions): Promise<WebSeedServer> {
  const requests: Served[] = [];
  const root = resolve(o.root);
  const hung = new Set<ServerResponse>();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch(() => res.destroy());
  };
  const server = o.tls ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, onRequest) : createServer(onRequest);
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const r: Served = { path, start: m ? Number(m[1]) : undefined, end: m ? Number(m[2]) : undefined, at: performance.now(), status: 0 };
    const n = requests.push(r) - 1;
    const ov = o.override?.(r, n);
    if (ov && 'status' in ov) {
      r.status = ov.status;
      res.writeHead(ov.status, ov.headers ?? {});
      res.end(ov.body ?? '');
      return;
    }
    if (ov && 'hang' in ov) {
      hung.add(res);
      return;
    }
    const file = resolve(join(root, path));
    if (!file.startsWith(root + sep)) {
      r.status = 403;
      res.writeHead(403).end();
      return;
    }
    const st = await stat(file).catch(() => undefined);
    if (!st || !st.isFile()) {
      r.status = 404;
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    if (m && !(ov && 'ignoreRange' in ov)) {
      start = Number(m[1]);
      end = Math.min(Number(m[2]), st.size - 1);
      if (start >= st.size || start > end) {
        r.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
        return;
      }
      status = 206;
    }
    const length = end - start + 1;
    const body = Buffer.alloc(length);
    const fh = await open(file, 'r');
    try {
      await fh.read(body, 0, length, start);
    } finally {
      await fh.close();
    }
    if (ov && 'corrupt' in ov) for (let i = 0; i < body.length; i += 4096) body[i] = body[i]! ^ 0xff;
    r.status = status;
    const headers: Record<string, string | number> = { 'Content-Length': length, 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    if (ov && 'short' in ov) {
      // Chunked, ends cleanly after half the body.
      delete headers['Content-Length'];
      res.writeHead(status, headers);
      res.end(body.subarray(0, Math.floor(length / 2)));
      return;
    }
    res.writeHead(status, headers);
    if (ov && 'cut' in ov) {
      res.write(body.subarray(0, Math.floor(length / 2)));
      res.socket?.destroy();
      return;
    }
    await send(res, body, o.rate);
  }
  let connections = 0;
  server.on(o.tls ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const h of hung) h.destroy();
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

/** Writes the body, paced to `rate` bytes/s in 16 KiB slices when given. */
async function send(res: ServerResponse, body: Buffer, rate: number | undefined): Promise<void> {
  if (rate === undefined) {
    res.end(body);
    return;
  }
  const slice = 16384;
  const t0 = performance.now();
  for (let off = 0; off < body.length; off += slice) {
    if (res.destroyed) return;
    res.write(body.subarray(off, off + slice));
    const due = t0 + ((off + slice) / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  res.end();
}
