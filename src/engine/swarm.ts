import type { PeerConnection } from './peer.js';

/** A peer address we may dial. */
export interface Candidate {
  readonly host: string;
  readonly port: number;
  readonly key: string;
  /** Given by the user (--peer): retried forever with backoff. */
  readonly explicit: boolean;
  fails: number;
  nextAt: number;
  conn: PeerConnection | undefined;
  /** Was a seed last time: not dialled while we are complete. */
  seed: boolean;
}

const MAX_CANDIDATES = 2000;
const MAX_BACKOFF_MS = 300_000;
const MAX_FAILS = 8;

export function addressKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses 'host:port' or '[v6]:port'; undefined when malformed. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!(port > 0 && port <= 0xffff)) return undefined;
  return { host: m[1]!, port };
}

/** IPv4-mapped IPv6 addresses as plain IPv4. */
export function plainIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The addresses a torrent knows, the live connections and the ban list. Dialling is the
 * torrent's (it owns sockets); this keeps the bookkeeping: dedupe by address and peer id,
 * exponential reconnect backoff, banned peers never dialled or accepted again.
 */
export class Swarm {
  readonly candidates = new Map<string, Candidate>();
  /** Every connection, handshaking or ready. */
  readonly conns = new Set<PeerConnection>();
  private readonly byId = new Map<string, PeerConnection>();
  private readonly byConn = new Map<PeerConnection, Candidate>();
  private readonly bannedIds = new Set<string>();
  private readonly bannedAddrs = new Set<string>();

  add(host: string, port: number, explicit: boolean, now: number): Candidate | undefined {
    const key = addressKey(host, port);
    const have = this.candidates.get(key);
    if (have) {
      if (explicit && have.conn === undefined) have.nextAt = Math.min(have.nextAt, now);
      return have;
    }
    if (this.bannedAddrs.has(key) || (!explicit && this.candidates.size >= MAX_CANDIDATES)) return undefined;
    const c: Candidate = { host, port, key, explicit, fails: 0, nextAt: now, conn: undefined, seed: false };
    this.candidates.set(key, c);
    return c;
  }

  /** Candidates to dial now, at most `room`. */
  due(now: number, room: number, complete: boolean): Candidate[] {
    const out: Candidate[] = [];
    if (room <= 0) return out;
    for (const c of this.candidates.values()) {
      if (c.conn !== undefined || c.nextAt > now || (complete && c.seed)) continue;
      out.push(c);
      if (out.length >= room) break;
    }
    return out;
  }

  connecting(c: Candidate, conn: PeerConnection): void {
    c.conn = conn;
    this.byConn.set(conn, c);
    this.conns.add(conn);
  }

  /** An incoming peer told us its listen port: remember it so we do not dial it twice. */
  link(conn: PeerConnection, host: string, port: number, now: number): void {
    if (this.byConn.has(conn)) return;
    const c = this.add(host, port, false, now);
    if (c && c.conn === undefined) {
      c.conn = conn;
      this.byConn.set(conn, c);
    }
  }

  /**
   * After the handshake: false when banned or a duplicate of a live connection. When both
   * sides dialled each other at once (PEX and LSD make that common), each side would keep a
   * different one and both would end up closed; so with `ourId` both keep the connection
   * dialled by the peer with the lower peer id, and the other one is closed here.
   */
  admit(conn: PeerConnection, ourId?: Buffer): boolean {
    const id = conn.peerIdHex!;
    if (this.bannedIds.has(id) || this.bannedAddrs.has(conn.address)) return false;
    const other = this.byId.get(id);
    if (other && other !== conn && !other.closed) {
      if (ourId === undefined || other.incoming === conn.incoming || conn.peerId === undefined) return false;
      const keepOurDial = Buffer.compare(ourId, conn.peerId) < 0;
      if (conn.incoming === keepOurDial) return false;
      const cand = this.byConn.get(other);
      other.close('duplicate connection');
      // The dialled address is live through this connection: do not redial it.
      if (cand !== undefined && cand.conn === undefined && !this.byConn.has(conn)) {
        cand.conn = conn;
        cand.fails = Math.max(0, cand.fails - 1);
        this.byConn.set(conn, cand);
      }
    }
    this.byId.set(id, conn);
    this.conns.add(conn);
    return true;
  }

  remove(conn: PeerConnection, now: number): void {
    this.conns.delete(conn);
    if (conn.peerIdHex !== undefined && this.byId.get(conn.peerIdHex) === conn) this.byId.delete(conn.peerIdHex);
    const c = this.byConn.get(conn);
    if (!c) return;
    this.byConn.delete(conn);
    if (c.conn === conn) c.conn = undefined;
    c.seed = conn.pp !== undefined && (conn.pp.seed || conn.pp.bitfield.complete);
    const lasted = now - conn.connectedAt;
    if (conn.ready && lasted > 30_000) c.fails = 0;
    else c.fails++;
    if (!c.explicit && c.fails > MAX_FAILS) {
      this.candidates.delete(c.key);
      return;
    }
    c.nextAt = now + Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(c.fails - 1, 12));
  }

  /** Earliest time a candidate without a connection may be dialled (Infinity: none). */
  nextDue(complete: boolean): number {
    let t = Infinity;
    for (const c of this.candidates.values()) if (c.conn === undefined && !(complete && c.seed) && c.nextAt < t) t = c.nextAt;
    return t;
  }

  ban(conn: PeerConnection): void {
    if (conn.peerIdHex !== undefined) this.bannedIds.add(conn.peerIdHex);
    this.bannedAddrs.add(conn.address);
    const c = this.byConn.get(conn);
    if (c) {
      this.bannedAddrs.add(c.key);
      this.candidates.delete(c.key);
    }
  }

  isBanned(key: string): boolean {
    return this.bannedAddrs.has(key);
  }

  get bannedCount(): number {
    return this.bannedIds.size;
  }

  /** Connections past the handshake. */
  *ready(): IterableIterator<PeerConnection> {
    for (const c of this.conns) if (c.ready && !c.closed) yield c;
  }

  get readyCount(): number {
    let n = 0;
    for (const c of this.conns) if (c.ready && !c.closed) n++;
    return n;
  }
}
