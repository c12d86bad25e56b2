import { CandidateSet, type Candidate, type CandidatePolicy } from './candidates.js';
import type { PeerConnection } from './peer.js';

/** Reconnects back off from 250 ms, doubling to at most 5 minutes; 8 failures in a row forget an address. */
const POLICY: CandidatePolicy = {
  maxCandidates: 2000,
  maxFails: 8,
  backoffMs: (fails) => Math.min(300_000, 250 * 2 ** Math.min(fails - 1, 12)),
};
/** A connection that was ready this long worked: its address's failures are cleared. */
const WORKED_MS = 30_000;

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
  /** Every connection, handshaking or ready. */
  readonly conns = new Set<PeerConnection>();
  private readonly candidates = new CandidateSet<PeerConnection>(POLICY);
  private readonly byId = new Map<string, PeerConnection>();
  private readonly bannedIds = new Set<string>();

  add(host: string, port: number, explicit: boolean, now: number): Candidate<PeerConnection> | undefined {
    return this.candidates.add(host, port, explicit, now);
  }

  /** Candidates to dial now, at most `room` (no seeds while we are complete). */
  due(now: number, room: number, complete: boolean): Candidate<PeerConnection>[] {
    return this.candidates.due(now, room, complete ? isSeed : undefined);
  }

  connecting(c: Candidate<PeerConnection>, conn: PeerConnection): void {
    this.candidates.attach(c, conn);
    this.conns.add(conn);
  }

  /** A dial of `c` failed at once (no socket): it backs off like a failed connection. */
  dialFailed(c: Candidate<PeerConnection>, now: number): void {
    this.candidates.failed(c, now);
  }

  /** An incoming peer told us its listen port: remember it so we do not dial it twice. */
  link(conn: PeerConnection, host: string, port: number, now: number): void {
    if (this.candidates.of(conn)) return;
    const c = this.candidates.add(host, port, false, now);
    if (c && c.conn === undefined) this.candidates.attach(c, conn);
  }

  /**
   * After the handshake: false when banned or a duplicate of a live connection. When both
   * sides dialled each other at once (PEX and LSD make that common), each side would keep a
   * different one and both would end up closed; so with `ourId` both keep the connection
   * dialled by the peer with the lower peer id, and the other one is closed here.
   */
  admit(conn: PeerConnection, ourId?: Buffer): boolean {
    const id = conn.peerIdHex!;
    if (this.bannedIds.has(id) || this.candidates.isBanned(conn.address)) return false;
    const other = this.byId.get(id);
    if (other && other !== conn && !other.closed) {
      if (ourId === undefined || other.incoming === conn.incoming || conn.peerId === undefined) return false;
      const keepOurDial = Buffer.compare(ourId, conn.peerId) < 0;
      if (conn.incoming === keepOurDial) return false;
      const cand = this.candidates.of(other);
      other.close('duplicate connection');
      // The dialled address is live through this connection: do not redial it, and take
      // back the failure its closing counted.
      if (cand !== undefined && cand.conn === undefined && !this.candidates.of(conn)) {
        this.candidates.attach(cand, conn);
        cand.fails = Math.max(0, cand.fails - 1);
      }
    }
    this.byId.set(id, conn);
    this.conns.add(conn);
    return true;
  }

  remove(conn: PeerConnection, now: number): void {
    this.conns.delete(conn);
    if (conn.peerIdHex !== undefined && this.byId.get(conn.peerIdHex) === conn) this.byId.delete(conn.peerIdHex);
    const c = this.candidates.of(conn);
    if (!c) return;
    c.seed = conn.pp !== undefined && (conn.pp.seed || conn.pp.bitfield.complete);
    this.candidates.detach(conn, now, conn.ready && now - conn.connectedAt > WORKED_MS);
  }

  /** Earliest time a candidate without a connection may be dialled (Infinity: none). */
  nextDue(complete: boolean): number {
    return this.candidates.nextDue(complete ? isSeed : undefined);
  }

  ban(conn: PeerConnection): void {
    if (conn.peerIdHex !== undefined) this.bannedIds.add(conn.peerIdHex);
    this.candidates.ban(conn.address);
    const c = this.candidates.of(conn);
    if (c) this.candidates.ban(c.key);
  }

  isBanned(key: string): boolean {
    return this.candidates.isBanned(key);
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

const isSeed = (c: Candidate<PeerConnection>): boolean => c.seed;
