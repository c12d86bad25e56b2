import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApiError } from './errors.js';
import { tokenMatches } from './token.js';

export type AuthMode = 'remote' | 'always';

export interface SecurityOptions {
  readonly token: string;
  /** 'remote' (default): loopback callers need no token; 'always': every call needs it. */
  readonly auth: AuthMode;
  /**
   * Addresses trusted without a token (when auth is 'remote'). Default: every loopback
   * address (127.0.0.0/8, ::1). A list replaces the default; a function decides alone.
   */
  readonly trusted?: readonly string[] | ((address: string) => boolean);
  /** Host names accepted in the Host header besides IP literals and 'localhost'. */
  readonly allowedHosts?: readonly string[];
  /** Origins (scheme://host[:port]) allowed to make state-changing requests without the token. */
  readonly allowedOrigins?: readonly string[];
}

/** Strips an IPv4-mapped IPv6 prefix. */
export function plainAddress(a: string | undefined): string {
  if (a === undefined) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function isLoopback(address: string): boolean {
  const a = plainAddress(address);
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** The host name of a Host header value ('[::1]:9091' -> '::1', 'a.b:80' -> 'a.b'). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** The token a request presents: `Authorization: Bearer T`, `X-Shoal-Token: T`, Basic auth's password, or `?token=T` (GET only). */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
    if (auth.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? decoded : decoded.slice(colon + 1);
    }
  }
  const h = req.headers['x-shoal-token'];
  if (typeof h === 'string') return h.trim();
  if (req.method === 'GET' || req.method === 'HEAD') return url.searchParams.get('token') ?? undefined;
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Content types a browser cannot send cross-origin without a CORS preflight we never approve. */
const NON_SIMPLE_TYPES = ['application/json', 'application/x-bittorrent', 'application/octet-stream'];

/**
 * The guard every request passes, in order: Host header (DNS rebinding), token (for
 * untrusted callers or with auth 'always'), then CSRF for state-changing requests. Throws
 * ApiError PERMISSION_DENIED / UNAUTHORIZED. Returns whether a valid token was presented.
 */
export class Guard {
  constructor(private readonly o: SecurityOptions) {}

  trusted(address: string): boolean {
    const t = this.o.trusted;
    const a = plainAddress(address);
    if (t === undefined) return isLoopback(a);
    if (typeof t === 'function') return t(a);
    return t.includes(a);
  }

  hostAllowed(host: string | undefined): boolean {
    if (host === undefined || host === '') return false;
    const name = hostName(host);
    if (isIP(name) !== 0 || name === 'localhost') return true;
    return (this.o.allowedHosts ?? []).some((h) => h.toLowerCase() === name);
  }

  check(req: IncomingMessage, url: URL, opts: { customHeaderProtocol?: boolean } = {}): { tokenOk: boolean } {
    if (!this.hostAllowed(req.headers.host)) {
      throw new ApiError('PERMISSION_DENIED', `Host header ${JSON.stringify(req.headers.host ?? '')} is not allowed (use an IP address, localhost, or add it with --allow-host)`);
    }
    const tokenOk = tokenMatches(presentedToken(req, url), this.o.token);
    const needToken = this.o.auth === 'always' || !this.trusted(req.socket.remoteAddress ?? '');
    if (needToken && !tokenOk) throw new ApiError('UNAUTHORIZED', 'a valid API token is required (Authorization: Bearer TOKEN)');
    if (!SAFE_METHODS.has(req.method ?? 'GET') && !tokenOk) this.checkCsrf(req, opts.customHeaderProtocol === true);
    return { tokenOk };
  }

  /** State-changing request without the token: same origin only, and not something a plain HTML form could send. */
  private checkCsrf(req: IncomingMessage, customHeaderProtocol: boolean): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let ok = false;
      try {
        const o = new URL(origin);
        ok = o.host.toLowerCase() === (req.headers.host ?? '').toLowerCase() || (this.o.allowedOrigins ?? []).includes(o.origin);
      } catch {
        ok = false;
      }
      if (!ok) throw new ApiError('PERMISSION_DENIED', `cross-origin request from ${origin} refused (present the API token)`);
    } else if (origin === 'null') {
      throw new ApiError('PERMISSION_DENIED', 'request from an opaque origin refused (present the API token)');
    }
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new ApiError('PERMISSION_DENIED', `cross-site request refused (present the API token)`);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const custom = req.headers['x-shoal-request'] !== undefined || req.headers['x-transmission-session-id'] !== undefined;
    if (!custom && !customHeaderProtocol && !NON_SIMPLE_TYPES.includes(type)) {
      throw new ApiError('PERMISSION_DENIED', 'state-changing requests need Content-Type: application/json (or the X-Shoal-Request header, or the token)');
    }
  }
}
