/**
 * Kademlia routing table (BEP 5): buckets of K nodes; only the bucket holding our own id
 * splits. Full buckets keep a small replacement cache; a questionable node is pinged and
 * replaced when it fails. Size is bounded by MAX_BUCKETS x (K + replacements).
 */
import type { NodeInfo } from './compact.js';
import { addrKey } from './compact.js';
import { commonPrefixBits, compareDistance, idEquals } from './node-id.js';

export const K = 8;
/** A node not heard from in this long is questionable (BEP 5: 15 minutes). */
export const QUESTIONABLE_MS = 15 * 60_000;
/** Failed queries in a row after which a node is bad. */
export const MAX_FAILS = 2;
const MAX_BUCKETS = 160;

export interface RoutingNode extends NodeInfo {
  /** Last time it answered one of our queries (0: never). */
  lastResponse: number;
  /** Last time we heard anything from it. */
  lastSeen: number;
  fails: number;
  /** A ping to decide its fate is in flight. */
  pinging: boolean;
}

interface Bucket {
  nodes: RoutingNode[];
  replacements: RoutingNode[];
  /** Last time a node was added or answered (for refresh). */
  changed: number;
}

export type AddResult = 'added' | 'updated' | 'replacement' | 'rejected';

export interface RoutingTableOptions {
  readonly k?: number;
  readonly replacements?: number;
  readonly now?: () => number;
}

export class RoutingTable {
  readonly k: number;
  private readonly maxReplacements: number;
  private readonly now: () => number;
  private readonly buckets: Bucket[];

  constructor(
    readonly ownId: Uint8Array,
    opts: RoutingTableOptions = {},
  ) {
    this.k = opts.k ?? K;
    this.maxReplacements = opts.replacements ?? this.k;
    this.now = opts.now ?? Date.now;
    this.buckets = [{ nodes: [], replacements: [], changed: this.now() }];
  }

  /** Nodes in the buckets (replacements not counted). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets) n += b.nodes.length;
    return n;
  }

  /** Nodes plus replacement-cache entries: what the table holds in memory. */
  get footprint(): number {
    let n = 0;
    for (const b of this.buckets) n += b.nodes.length + b.replacements.length;
    return n;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Upper bound of `footprint`. */
  get capacity(): number {
    return MAX_BUCKETS * (this.k + this.maxReplacements);
  }

  private indexOf(id: Uint8Array): number {
    return Math.min(commonPrefixBits(this.ownId, id), this.buckets.length - 1);
  }

  /** The entry for an id, if it is in a bucket. */
  get(id: Uint8Array): RoutingNode | undefined {
    return this.buckets[this.indexOf(id)]!.nodes.find((n) => idEquals(n.id, id));
  }

  /**
   * Offers a node. `responded`: it answered one of our queries (else it only queried us).
   * When the bucket is full of good nodes the node goes to the replacement cache and
   * `ping` names a questionable node the caller should ping (then call `failed` or `seen`).
   */
  add(node: NodeInfo, responded: boolean): { result: AddResult; ping?: RoutingNode } {
    if (node.id.length !== 20 || idEquals(node.id, this.ownId) || !(node.port > 0)) return { result: 'rejected' };
    const now = this.now();
    for (;;) {
      const i = this.indexOf(node.id);
      const b = this.buckets[i]!;
      const existing = b.nodes.find((n) => idEquals(n.id, node.id));
      if (existing) {
        // Same id from another address: keep the one we know (no hijacking by claimed id).
        if (existing.host !== node.host || existing.port !== node.port) return { result: 'rejected' };
        existing.lastSeen = now;
        if (responded) {
          existing.lastResponse = now;
          existing.fails = 0;
          b.changed = now;
        }
        return { result: 'updated' };
      }
      const key = addrKey(node);
      if (b.nodes.some((n) => addrKey(n) === key)) return { result: 'rejected' };
      const entry: RoutingNode = { id: new Uint8Array(node.id), host: node.host, port: node.port, lastResponse: responded ? now : 0, lastSeen: now, fails: 0, pinging: false };
      if (b.nodes.length < this.k) {
        b.nodes.push(entry);
        b.changed = now;
        this.dropReplacement(b, node.id);
        return { result: 'added' };
      }
      if (i === this.buckets.length - 1 && this.buckets.length < MAX_BUCKETS) {
        this.split();
        continue;
      }
      const badIdx = b.nodes.findIndex((n) => n.fails >= MAX_FAILS);
      if (badIdx >= 0) {
        b.nodes[badIdx] = entry;
        b.changed = now;
        return { result: 'added' };
      }
      this.pushReplacement(b, entry);
      const stale = b.nodes.filter((n) => !n.pinging && now - Math.max(n.lastResponse, n.lastSeen) >= QUESTIONABLE_MS);
      stale.sort((x, y) => x.lastSeen - y.lastSeen);
      const ping = stale[0];
      if (ping) ping.pinging = true;
      return ping ? { result: 'replacement', ping } : { result: 'replacement' };
    }
  }

  private pushReplacement(b: Bucket, entry: RoutingNode): void {
    const key = addrKey(entry);
    const at = b.replacements.findIndex((n) => idEquals(n.id, entry.id) || addrKey(n) === key);
    if (at >= 0) b.replacements.splice(at, 1);
    b.replacements.push(entry);
    if (b.replacements.length > this.maxReplacements) b.replacements.shift();
  }

  private dropReplacement(b: Bucket, id: Uint8Array): void {
    const at = b.replacements.findIndex((n) => idEquals(n.id, id));
    if (at >= 0) b.replacements.splice(at, 1);
  }

  private split(): void {
    const depth = this.buckets.length - 1;
    const last = this.buckets[depth]!;
    const near: Bucket = { nodes: [], replacements: [], changed: last.changed };
    const keep = (n: RoutingNode): boolean => commonPrefixBits(this.ownId, n.id) === depth;
    near.nodes = last.nodes.filter((n) => !keep(n));
    last.nodes = last.nodes.filter(keep);
    near.replacements = last.replacements.filter((n) => !keep(n));
    last.replacements = last.replacements.filter(keep);
    this.buckets.push(near);
  }

  /** A node answered (refreshes it; clears its failures). */
  seen(id: Uint8Array): void {
    const n = this.get(id);
    if (!n) return;
    const now = this.now();
    n.lastResponse = now;
    n.lastSeen = now;
    n.fails = 0;
    n.pinging = false;
    this.buckets[this.indexOf(id)]!.changed = now;
  }

  /** A query to the node failed; bad nodes make room for the freshest replacement. */
  failed(id: Uint8Array): void {
    const b = this.buckets[this.indexOf(id)]!;
    const at = b.nodes.findIndex((n) => idEquals(n.id, id));
    if (at < 0) {
      this.dropReplacement(b, id);
      return;
    }
    const n = b.nodes[at]!;
    n.fails++;
    const wasPinged = n.pinging;
    n.pinging = false;
    if (n.fails >= MAX_FAILS || (wasPinged && b.replacements.length > 0)) {
      const repl = b.replacements.pop();
      if (repl) b.nodes[at] = repl;
      else if (n.fails >= MAX_FAILS) b.nodes.splice(at, 1);
    }
  }

  remove(id: Uint8Array): void {
    const b = this.buckets[this.indexOf(id)]!;
    const at = b.nodes.findIndex((n) => idEquals(n.id, id));
    if (at >= 0) b.nodes.splice(at, 1);
  }

  /** The n known nodes closest to target (bad ones last, never more than n). */
  closest(target: Uint8Array, n = this.k): RoutingNode[] {
    const all: RoutingNode[] = [];
    for (const b of this.buckets) for (const x of b.nodes) if (x.fails < MAX_FAILS) all.push(x);
    all.sort((a, b) => compareDistance(target, a.id, b.id));
    return all.slice(0, n);
  }

  /** Every node in a bucket (for saving). */
  nodes(): RoutingNode[] {
    return this.buckets.flatMap((b) => b.nodes);
  }

  /** Depths of buckets nothing happened in for `ms` (to refresh with a find_node into them). */
  staleBuckets(ms: number): number[] {
    const now = this.now();
    const out: number[] = [];
    this.buckets.forEach((b, i) => {
      if (now - b.changed >= ms) out.push(i);
    });
    return out;
  }

  /** Marks a bucket refreshed. */
  touchBucket(depth: number): void {
    const b = this.buckets[depth];
    if (b) b.changed = this.now();
  }
}
