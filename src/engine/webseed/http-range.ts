import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { WebSeedError } from './errors.js';
import type { WebSeedReason } from './errors.js';
import { parseRetryAfter } from './retry.js';

const USER_AGENT = 'shoal/0.1';
const MAX_REDIRECTS = 5;

/** Keep-alive agents of one web seed: at most `sockets` connections per host. */
export class SeedAgents {
  private http: HttpAgent | undefined;
  private https: HttpsAgent | undefined;
  constructor(private readonly sockets: number) {}

  for(protocol: string): HttpAgent {
    if (protocol === 'https:') return (this.https ??= new HttpsAgent({ keepAlive: true, maxSockets: this.sockets }));
    return (this.http ??= new HttpAgent({ keepAlive: true, maxSockets: this.sockets }));
  }

  /** Closes every socket; later requests open new ones. */
  destroy(): void {
    this.http?.destroy();
    this.https?.destroy();
    this.http = this.https = undefined;
  }
}

/** `length` bytes at `start` of the file at `url` (`fileLength` bytes long), into `into` at `at`. */
export interface RangeRequest {
  readonly url: string;
  readonly start: number;
  readonly length: number;
  readonly fileLength: number;
  readonly into: Buffer;
  readonly at: number;
}

export interface RangeOptions {
  readonly agents: SeedAgents;
  /** Idle time before the request is abandoned, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Payload bytes as they arrive (for rates). */
  readonly onData?: (bytes: number) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CONTENT_RANGE = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;

/**
 * One HTTP Range request (GET, `Range: bytes=a-b`, keep-alive). Accepts 206 with the exact
 * Content-Range asked for, or 200 when the range is the whole file; the body is copied
 * straight into the target and may be neither shorter nor longer than asked. Redirects are
 * followed (at most 5) to http(s) only. Rejects with WebSeedError.
 */
export function fetchRange(r: RangeRequest, o: RangeOptions, redirects = 0): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(r.url);
    } catch {
      return reject(new WebSeedError('bad_response', `bad URL ${r.url}`, { url: r.url }));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new WebSeedError('bad_response', `refusing ${u.protocol} URL ${r.url}`, { url: r.url }));
    const end = r.start + r.length - 1;
    const ctx = { url: r.url, start: r.start, length: r.length };
    let settled = false;
    const fail = (reason: WebSeedReason, message: string, extra: { [k: string]: unknown } = {}, retryAfterMs?: number): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(new WebSeedError(reason, message, { ...ctx, ...extra }, retryAfterMs === undefined ? {} : { retryAfterMs }));
    };
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, {
      method: 'GET',
      agent: o.agents.for(u.protocol),
      headers: { Range: `bytes=${r.start}-${end}`, 'Accept-Encoding': 'identity', 'User-Agent': USER_AGENT },
      ...(o.signal && { signal: o.signal }),
    });
    req.setTimeout(o.timeoutMs, () => fail('timeout', `no data from ${u.host} for ${o.timeoutMs} ms`));
    // Socket errors read best as their errno code (ECONNREFUSED); TLS ones as their message
    // ('self-signed certificate'), which says what is wrong with the certificate.
    req.on('error', (e: NodeJS.ErrnoException) => fail('network', `${u.host}: ${e.code !== undefined && /^E[A-Z]+$/.test(e.code) ? e.code : e.message}`, { cause: e.code }));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        const loc = res.headers.location;
        res.destroy();
        if (loc === undefined) return fail('bad_response', `redirect ${status} without Location`, { status });
        if (redirects >= MAX_REDIRECTS) return fail('bad_response', `more than ${MAX_REDIRECTS} redirects`, { status });
        let next: URL;
        try {
          next = new URL(loc, u);
        } catch {
          return fail('bad_response', `bad redirect target ${loc}`, { status });
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return fail('bad_response', `refusing redirect to ${next.protocol}`, { status, location: loc });
        settled = true;
        fetchRange({ ...r, url: next.href }, o, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 206 && status !== 200) {
        res.destroy();
        if (status === 404 || status === 410) return fail('not_found', `${status} for ${r.url}`, { status });
        if (status === 503) return fail('unavailable', `503 from ${u.host}`, { status }, parseRetryAfter(header(res, 'retry-after')));
        if (status === 416) return fail('bad_response', `416: range ${r.start}-${end} not satisfiable`, { status });
        return fail('status', `HTTP ${status} from ${u.host}`, { status });
      }
      if (status === 206) {
        const m = CONTENT_RANGE.exec(header(res, 'content-range') ?? '');
        if (!m || Number(m[1]) !== r.start || Number(m[2]) !== end || (m[3] !== '*' && Number(m[3]) !== r.fileLength)) {
          res.destroy();
          return fail('bad_response', `Content-Range ${header(res, 'content-range') ?? '(none)'} for bytes ${r.start}-${end}/${r.fileLength}`, { status });
        }
      } else if (r.start !== 0 || r.length !== r.fileLength) {
        res.destroy();
        return fail('bad_response', `server ignored the Range header (200 for bytes ${r.start}-${end})`, { status });
      }
      const enc = header(res, 'content-encoding');
      if (enc !== undefined && enc !== 'identity') {
        res.destroy();
        return fail('bad_response', `unexpected Content-Encoding ${enc}`, { status });
      }
      const declared = header(res, 'content-length');
      if (declared !== undefined && Number(declared) !== r.length) {
        res.destroy();
        return fail('bad_response', `Content-Length ${declared}, expected ${r.length}`, { status });
      }
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (got + chunk.length > r.length) return fail('bad_response', `body longer than the ${r.length} bytes asked`, { status });
        chunk.copy(r.into, r.at + got);
        got += chunk.length;
        o.onData?.(chunk.length);
      });
      res.on('end', () => {
        if (got !== r.length) return fail('bad_response', `short body: ${got} of ${r.length} bytes`, { status });
        if (settled) return;
        settled = true;
        resolve();
      });
      res.on('error', () => fail('network', `connection lost after ${got} of ${r.length} bytes`, { status }));
      res.on('close', () => fail('bad_response', `short body: ${got} of ${r.length} bytes`, { status }));
    });
    req.end();
  });
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
