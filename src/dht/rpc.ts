/**
 * KRPC over UDP: one IPv4 and (when available) one IPv6 socket, transaction ids, timeouts.
 * Responses are matched on (transaction id, address) so a third party cannot answer for a
 * node we asked. Nothing a datagram holds can throw out of the socket handler.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Address } from './compact.js';
import { addrKey, familyOf, plainHost } from './compact.js';
import { DhtError } from './errors.js';
import { decodeMessage, encodeError, encodeQuery, encodeResponse } from './krpc.js';
import type { ErrorMessage, Query, Response } from './krpc.js';

/** Our client version in `v`: 'SH' + 0.1. */
const VERSION = Uint8Array.from([0x53, 0x48, 0x00, 0x01]);

export type QueryBody = Query extends infer Q ? (Q extends Query ? Omit<Q, 't' | 'kind' | 'id' | 'v'> : never) : never;

export interface RpcOptions {
  readonly port: number;
  /** IPv4 or IPv6 literal to bind; default both wildcards (IPv6 only when available). */
  readonly host?: string | undefined;
  /** Query timeout in ms. */
  readonly timeoutMs: number;
  /** Our node id (read on every query: it may change after a BEP 42 re-key). */
  readonly id: () => Uint8Array;
  /** An incoming query, already decoded. */
  readonly onQuery: (q: Query, from: Address) => void;
  /** Per-source admission of queries (rate limit); dropped silently when false. */
  readonly allowQuery?: (host: string) => boolean;
  readonly onWarning?: (msg: string) => void;
}

interface Pending {
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Rpc {
  private sock4: Socket | undefined;
  private sock6: Socket | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextT = Math.floor(Math.random() * 0x10000);
  private closed = false;
  /** Counters, for tests and stats. */
  readonly stats = { sent: 0, received: 0, dropped: 0, timeouts: 0, limited: 0 };

  constructor(private readonly opts: RpcOptions) {}

  get hasIPv4(): boolean {
    return this.sock4 !== undefined;
  }

  get hasIPv6(): boolean {
    return this.sock6 !== undefined;
  }

  /** Binds the sockets; resolves with the UDP port. */
  async listen(): Promise<number> {
    const host = this.opts.host;
    const fam = host === undefined ? 0 : familyOf(host);
    if (host !== undefined && fam === 0) throw new DhtError('address', `--dht host must be an IP address, got ${host}`);
    let port = this.opts.port;
    if (fam !== 6) {
      this.sock4 = await bind('udp4', host ?? '0.0.0.0', port);
      port = this.sock4.address().port;
      this.sock4.on('message', (m, r) => this.onMessage(m, r));
      this.sock4.on('error', (e) => this.opts.onWarning?.(`udp4: ${e.message}`));
    }
    if (fam !== 4) {
      try {
        this.sock6 = await bind('udp6', host ?? '::', port);
        port = this.sock6.address().port;
        this.sock6.on('message', (m, r) => this.onMessage(m, r));
        this.sock6.on('error', (e) => this.opts.onWarning?.(`udp6: ${e.message}`));
      } catch (e) {
        if (fam === 6) throw e;
        this.opts.onWarning?.(`IPv6 DHT unavailable: ${(e as Error).message}`);
      }
    }
    return port;
  }

  private socketFor(host: string): Socket | undefined {
    return familyOf(host) === 6 ? this.sock6 : this.sock4;
  }

  /** Sends a query; resolves with the response, rejects with a DhtError on timeout or KRPC error. */
  query(to: Address, body: QueryBody): Promise<Response> {
    if (this.closed) return Promise.reject(new DhtError('closed', 'DHT node closed'));
    const sock = this.socketFor(to.host);
    if (!sock) return Promise.reject(new DhtError('address', `no socket for ${to.host}`));
    const tn = (this.nextT = (this.nextT + 1) & 0xffff);
    const t = Uint8Array.from([tn >> 8, tn & 0xff]);
    const key = `${tn}|${addrKey({ host: plainHost(to.host), port: to.port })}`;
    const q = { ...body, kind: 'query', t, id: this.opts.id() } as Query;
    const buf = encodeQuery(q, { v: VERSION });
    return new Promise<Response>((resolve, reject) => {
      const old = this.pending.get(key);
      if (old) {
        clearTimeout(old.timer);
        old.reject(new DhtError('timeout', 'transaction id reused'));
      }
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.stats.timeouts++;
        reject(new DhtError('timeout', `no answer from ${addrKey(to)}`, { peer: addrKey(to) }));
      }, this.opts.timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
      this.stats.sent++;
      sock.send(buf, to.port, to.host, (err) => {
        if (!err) return;
        const p = this.pending.get(key);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(key);
        reject(new DhtError('address', `send to ${addrKey(to)}: ${err.message}`));
      });
    });
  }

  respond(to: Address, r: Omit<Response, 'kind' | 'id'>): void {
    this.send(to, encodeResponse({ ...r, kind: 'response', id: this.opts.id() }, { v: VERSION }));
  }

  error(to: Address, t: Uint8Array, code: number, message: string): void {
    const e: ErrorMessage = { kind: 'error', t, code, message };
    this.send(to, encodeError(e, { v: VERSION }));
  }

  private send(to: Address, buf: Buffer): void {
    const sock = this.socketFor(to.host);
    if (!sock || this.closed) return;
    this.stats.sent++;
    sock.send(buf, to.port, to.host, () => {});
  }

  private admit(host: string): boolean {
    return this.opts.allowQuery ? this.opts.allowQuery(host) : true;
  }

  private onMessage(buf: Buffer, r: RemoteInfo): void {
    const from = { host: plainHost(r.address), port: r.port };
    this.stats.received++;
    try {
      const m = decodeMessage(buf);
      if (m instanceof DhtError) {
        this.stats.dropped++;
        const t = m.context.t;
        // A malformed query still gets a protocol error when its transaction id is readable.
        if (t instanceof Uint8Array && m.context.query === true && this.admit(from.host)) this.error(from, t, 203, m.message);
        return;
      }
      if (m.kind === 'query') {
        if (this.admit(from.host)) this.opts.onQuery(m, from);
        else this.stats.limited++;
        return;
      }
      if (m.t.length !== 2) {
        this.stats.dropped++;
        return;
      }
      const key = `${(m.t[0]! << 8) | m.t[1]!}|${addrKey(from)}`;
      const p = this.pending.get(key);
      if (!p) {
        this.stats.dropped++;
        return;
      }
      this.pending.delete(key);
      clearTimeout(p.timer);
      if (m.kind === 'response') p.resolve(m);
      else p.reject(new DhtError('remote', `${addrKey(from)} answered error ${m.code}: ${m.message}`, { code: m.code }));
    } catch (e) {
      // Only a bug can land here; never let it kill the socket.
      this.stats.dropped++;
      this.opts.onWarning?.(`DHT packet from ${addrKey(from)}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new DhtError('closed', 'DHT node closed'));
    }
    this.pending.clear();
    await Promise.all([this.sock4, this.sock6].map((s) => (s ? new Promise<void>((res) => s.close(() => res())) : undefined)));
  }
}

function bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(type === 'udp6' ? { type, ipv6Only: true } : { type });
    const onError = (e: Error): void => {
      s.close();
      reject(e);
    };
    s.once('error', onError);
    s.bind(port, host, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}
