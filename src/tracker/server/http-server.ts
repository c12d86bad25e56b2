import { createServer, type Server, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 server over net.Server: request line, headers and a Content-Length
 * body, keep-alive and pipelining (answered in order). Sized for a tracker's hot path:
 * one buffer search per request, no per-header objects beyond a small Map, limits on
 * header and body size checked before buffering more. No chunked request bodies.
 */
export interface HttpRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Raw query string after '?', '' when none. */
  readonly query: string;
  /** Lower-case header names; repeated headers are joined with ', '. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
}

export type HttpHandler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

export interface HttpLimits {
  /** Request line plus headers. Default 8 KiB. */
  readonly maxHeaderBytes?: number;
  /** Largest body accepted for `path` (0 refuses any body). */
  readonly maxBodyBytes?: (method: string, path: string) => number;
  /** Idle keep-alive timeout. Default 30 s. */
  readonly idleMs?: number;
  readonly maxConnections?: number;
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 411: 'Length Required', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented',
  503: 'Service Unavailable',
};

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Bytes of pipelined requests buffered behind a pending one before reading pauses. */
const MAX_QUEUED = 64 * 1024;
/** Bytes of responses the client has not read before reading pauses. */
const MAX_UNREAD = 1024 * 1024;
const REQUEST_LINE = /^([A-Z]{1,16}) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function serialize(res: HttpResponse, keepAlive: boolean): Buffer {
  const body = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
  let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? 'Status'}\r\nContent-Type: ${res.contentType ?? 'text/plain'}\r\nContent-Length: ${body.length}\r\n`;
  if (res.headers) for (const [k, v] of Object.entries(res.headers)) head += `${k}: ${v}\r\n`;
  if (!keepAlive) head += 'Connection: close\r\n';
  head += '\r\n';
  const out = Buffer.allocUnsafe(head.length + body.length);
  const o = out.write(head, 0, 'latin1');
  out.set(body, o);
  return out;
}

class Connection {
  private buf: Buffer | null = null;
  private busy = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: HttpHandler,
    private readonly maxHeader: number,
    private readonly maxBody: (m: string, p: string) => number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
      this.pump();
      // Backpressure: stop reading while a slow request is pending with more queued behind
      // it, or while the client does not read its responses.
      if ((this.busy && this.buf !== null && this.buf.length > MAX_QUEUED) || socket.writableLength > MAX_UNREAD) this.pause();
    });
    socket.on('drain', () => this.resume());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
      this.buf = null;
    });
  }

  private paused = false;

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private resume(): void {
    if (this.paused && !this.busy && this.socket.writableLength <= MAX_UNREAD) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private fail(status: number, message: string): void {
    this.closed = true;
    this.buf = null;
    this.socket.end(serialize({ status, body: message + '\n' }, false));
  }

  private pump(): void {
    while (!this.busy && !this.closed && this.buf !== null && this.buf.length > 0) {
      const buf = this.buf;
      const he = buf.indexOf(CRLFCRLF);
      if (he < 0 || he > this.maxHeader) {
        if (buf.length > this.maxHeader) this.fail(431, 'request header too large');
        return;
      }
      const lines = buf.toString('latin1', 0, he).split('\r\n');
      const m = REQUEST_LINE.exec(lines[0]!);
      if (!m) return this.fail(400, 'malformed request line');
      const headers = new Map<string, string>();
      if (lines.length > 101) return this.fail(431, 'too many header fields');
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const c = line.indexOf(':');
        if (c <= 0) return this.fail(400, 'malformed header field');
        const name = line.slice(0, c);
        if (!HEADER_NAME.test(name)) return this.fail(400, 'malformed header name');
        const key = name.toLowerCase();
        const value = line.slice(c + 1).trim();
        const prev = headers.get(key);
        headers.set(key, prev === undefined ? value : `${prev}, ${value}`);
      }
      if (headers.has('transfer-encoding')) return this.fail(501, 'chunked request bodies are not supported');
      const method = m[1]!;
      const target = m[2]!;
      const q = target.indexOf('?');
      const path = q < 0 ? target : target.slice(0, q);
      const query = q < 0 ? '' : target.slice(q + 1);
      const clh = headers.get('content-length');
      let cl = 0;
      if (clh !== undefined) {
        if (!/^\d{1,12}$/.test(clh)) return this.fail(400, 'bad Content-Length');
        cl = Number(clh);
      }
      if (cl > this.maxBody(method, path)) return this.fail(413, 'request body too large');
      const total = he + 4 + cl;
      if (buf.length < total) return;
      const body = buf.subarray(he + 4, total);
      this.buf = buf.length === total ? null : buf.subarray(total);
      const conn = (headers.get('connection') ?? '').toLowerCase();
      const keepAlive = m[3] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
      const req: HttpRequest = { method, path, query, headers, body, remoteAddress: this.socket.remoteAddress ?? '' };
      let res: HttpResponse | Promise<HttpResponse>;
      try {
        res = this.handler(req);
      } catch {
        res = { status: 500, body: 'internal error\n' };
      }
      if (res instanceof Promise) {
        this.busy = true;
        res
          .catch((): HttpResponse => ({ status: 500, body: 'internal error\n' }))
          .then((r) => {
            this.busy = false;
            this.send(r, keepAlive);
            this.pump();
            this.resume();
          });
        return;
      }
      this.send(res, keepAlive);
    }
  }

  private send(res: HttpResponse, keepAlive: boolean): void {
    if (this.closed || this.socket.destroyed) return;
    const out = serialize(res, keepAlive);
    if (keepAlive) this.socket.write(out);
    else {
      this.closed = true;
      this.buf = null;
      this.socket.end(out);
    }
  }
}

export function createHttpServer(handler: HttpHandler, limits: HttpLimits = {}): Server {
  const maxHeader = limits.maxHeaderBytes ?? 8192;
  const maxBody = limits.maxBodyBytes ?? (() => 0);
  const idleMs = limits.idleMs ?? 30_000;
  const open = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.setTimeout(idleMs, () => socket.destroy());
    new Connection(socket, handler, maxHeader, maxBody);
  });
  server.maxConnections = limits.maxConnections ?? 10_000;
  SOCKETS.set(server, open);
  return server;
}

const SOCKETS = new WeakMap<Server, Set<Socket>>();

/** Destroys every open connection of a server made by createHttpServer (for a prompt close). */
export function destroyConnections(server: Server): void {
  for (const s of SOCKETS.get(server) ?? []) s.destroy();
}
