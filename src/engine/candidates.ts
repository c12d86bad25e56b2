/**
 * Peer addresses we may dial, with the connection each has now and an exponential
 * reconnect backoff. One implementation for a torrent's swarm (swarm.ts) and the metadata
 * fetcher (metadata/fetch.ts), which differ only in their policy.
 */

/** An address we may dial. */
export interface Candidate<C> {
  readonly host: string;
  readonly port: number;
  /** `host:port`, or `[v6]:port`. */
  readonly key: string;
  /** Given by the user (--peer): kept however often it fails, and never crowded out. */
  readonly explicit: boolean;
  fails: number;
  /** Not dialled before this time (ms, the caller's clock). */
  nextAt: number;
  conn: C | undefined;
  /** Was a seed last time (the swarm does not dial seeds while complete). */
  seed: boolean;
}

export interface CandidatePolicy {
  /** Addresses kept at most (explicit ones are always added). */
  readonly maxCandidates: number;
  /** A non-explicit address that failed more often than this is forgotten. */
  readonly maxFails: number;
  /** Wait before the next dial after `fails` failures in a row (0: it just worked). */
  backoffMs(fails: number): number;
}

export function addressKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class CandidateSet<C> {
  private readonly all = new Map<string, Candidate<C>>();
  private readonly byConn = new Map<C, Candidate<C>>();
  private readonly banned = new Set<string>();

  constructor(private readonly policy: CandidatePolicy) {}

  get size(): number {
    return this.all.size;
  }

  /** Adds an address (or, given again by the user, makes a known idle one due now). */
  add(host: string, port: number, explicit: boolean, now: number): Candidate<C> | undefined {
    const key = addressKey(host, port);
    const have = this.all.get(key);
    if (have) {
      if (explicit && have.conn === undefined) have.nextAt = Math.min(have.nextAt, now);
      return have;
    }
    if (this.banned.has(key) || (!explicit && this.all.size >= this.policy.maxCandidates)) return undefined;
    const c: Candidate<C> = { host, port, key, explicit, fails: 0, nextAt: now, conn: undefined, seed: false };
    this.all.set(key, c);
    return c;
  }

  /** Candidates to dial now, at most `room`, skipping those `skip` names. */
  due(now: number, room: number, skip?: (c: Candidate<C>) => boolean): Candidate<C>[] {
    const out: Candidate<C>[] = [];
    if (room <= 0) return out;
    for (const c of this.all.values()) {
      if (c.conn !== undefined || c.nextAt > now || skip?.(c)) continue;
      out.push(c);
      if (out.length >= room) break;
    }
    return out;
  }

  /** Earliest time a candidate without a connection may be dialled (Infinity: none). */
  nextDue(skip?: (c: Candidate<C>) => boolean): number {
    let t = Infinity;
    for (const c of this.all.values()) if (c.conn === undefined && c.nextAt < t && !skip?.(c)) t = c.nextAt;
    return t;
  }

  /** `conn` now stands for the address of `c`. */
  attach(c: Candidate<C>, conn: C): void {
    c.conn = conn;
    this.byConn.set(conn, c);
  }

  /** The candidate a connection was dialled at (or linked to). */
  of(conn: C): Candidate<C> | undefined {
    return this.byConn.get(conn);
  }

  /**
   * A connection ended. `worked` (it was useful for long enough) clears the failures;
   * otherwise one more counts, and an address failing too often is forgotten.
   */
  detach(conn: C, now: number, worked: boolean): Candidate<C> | undefined {
    const c = this.byConn.get(conn);
    if (c === undefined) return undefined;
    this.byConn.delete(conn);
    if (c.conn === conn) c.conn = undefined;
    if (worked) {
      c.fails = 0;
      c.nextAt = now + this.policy.backoffMs(0);
    } else this.failed(c, now);
    return c;
  }

  /** A dial of `c` failed before any connection existed. */
  failed(c: Candidate<C>, now: number): void {
    c.fails++;
    if (!c.explicit && c.fails > this.policy.maxFails) this.all.delete(c.key);
    else c.nextAt = now + this.policy.backoffMs(c.fails);
  }

  /** Never dialled or added again. */
  ban(key: string): void {
    this.banned.add(key);
    this.all.delete(key);
  }

  isBanned(key: string): boolean {
    return this.banned.has(key);
  }
}
