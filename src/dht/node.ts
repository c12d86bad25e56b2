/**
 * A mainline DHT node (BEP 5, with BEP 32 IPv6 and BEP 42 secure ids): answers queries,
 * keeps a routing table, looks up and announces info-hashes.
 */
import { EventEmitter } from 'node:events';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Address, NodeInfo } from './compact.js';
import { addrKey, familyOf, ipBytes } from './compact.js';
import { DhtError, KRPC_ERROR } from './errors.js';
import type { Query, Response } from './krpc.js';
import { iterativeLookup } from './lookup.js';
import type { LookupResult } from './lookup.js';
import { idEquals, isLocalAddress, isSecureNodeId, randomId, randomIdInBucket, secureNodeId } from './node-id.js';
import { PeerStore } from './peer-store.js';
import { RateLimiter } from './rate-limit.js';
import { K, QUESTIONABLE_MS, RoutingTable } from './routing.js';
import { Rpc } from './rpc.js';
import type { QueryBody } from './rpc.js';
import { loadState, saveState } from './state.js';
import { TokenIssuer } from './tokens.js';

/** Well-known routers, used only when the caller asks for the defaults. */
export const DEFAULT_BOOTSTRAP: readonly string[] = ['router.bittorrent.com:6881', 'router.utorrent.com:6881', 'dht.transmissionbt.com:6881', 'dht.libtorrent.org:25401'];

export interface DhtNodeOptions {
  /** UDP port (default 0: any free port). */
  readonly port?: number;
  /** IP literal to bind (default: 0.0.0.0 and, when available, ::). */
  readonly host?: string;
  /** 'host:port' nodes to start from (IPv6 as [::1]:6881). Default none. */
  readonly bootstrap?: readonly string[];
  /** Routing table file, loaded by listen() and written by close(). */
  readonly statePath?: string;
  /** Our node id (default: the saved one, else random; re-keyed per BEP 42 once our external IP is known). */
  readonly id?: Uint8Array;
  /** Clock for tokens, table ages and the peer store (ms). */
  readonly now?: () => number;
  /** Query timeout (default 3000 ms). */
  readonly timeoutMs?: number;
  /** Queries per second answered per source IP (default 50, burst twice that). */
  readonly queryRate?: number;
  /** Keep nodes whose ids fail BEP 42 out of the routing table (default false). */
  readonly enforceSecureIds?: boolean;
}

export interface AnnounceResult {
  /** Peers found by the get_peers lookup that preceded the announce. */
  readonly peers: readonly Address[];
  /** Nodes that accepted our announce_peer. */
  readonly announced: number;
}

const MAINTAIN_MS = 60_000;
const SAVE_EVERY_MS = 10 * 60_000;
/** Votes on our external IP (BEP 42 `ip`) before re-keying. */
const IP_VOTES = 5;

export class DhtNode extends EventEmitter {
  private _id: Uint8Array;
  private _table: RoutingTable;
  private readonly rpc: Rpc;
  private readonly tokens: TokenIssuer;
  private readonly store: PeerStore;
  private readonly limiter: RateLimiter;
  private readonly now: () => number;
  private readonly fixedId: boolean;
  private bootstrapAddrs: Address[] = [];
  private savedNodes: NodeInfo[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSave = 0;
  private _port = 0;
  private closed = false;
  private readyPromise: Promise<void> | undefined;
  /** Our external IP as nodes report it -> the distinct node IPs that said so. */
  private readonly ipVotes = new Map<string, Set<string>>();

  constructor(private readonly opts: DhtNodeOptions = {}) {
    super();
    this.now = opts.now ?? Date.now;
    this.fixedId = opts.id !== undefined;
    this._id = opts.id ? new Uint8Array(opts.id) : randomId();
    this._table = new RoutingTable(this._id, { now: this.now });
    this.tokens = new TokenIssuer(this.now);
    this.store = new PeerStore({ now: this.now });
    this.limiter = new RateLimiter({ rate: opts.queryRate ?? 50, now: this.now });
    this.rpc = new Rpc({
      port: opts.port ?? 0,
      host: opts.host,
      timeoutMs: opts.timeoutMs ?? 3000,
      id: () => this._id,
      onQuery: (q, from) => this.onQuery(q, from),
      allowQuery: (host) => this.limiter.allow(host),
      onWarning: (m) => this.emit('warning', m),
    });
  }

  get id(): Uint8Array {
    return this._id;
  }

  get table(): RoutingTable {
    return this._table;
  }

  get port(): number {
    return this._port;
  }

  /** Packets sent/received/dropped, timeouts, rate-limited queries. */
  get stats(): Readonly<Rpc['stats']> {
    return this.rpc.stats;
  }

  /** Peers announced to this node, for tests and stats. */
  get storedPeers(): number {
    return this.store.size;
  }

  /** Loads the saved table, binds the sockets and starts bootstrapping (see `ready`). Resolves with the UDP port. */
  async listen(): Promise<number> {
    if (this.opts.statePath !== undefined) {
      try {
        const st = await loadState(this.opts.statePath);
        if (st.id && !this.fixedId) this.rekey(st.id);
        this.savedNodes = [...st.nodes];
      } catch (e) {
        this.emit('warning', (e as Error).message);
      }
    }
    this._port = await this.rpc.listen();
    this.bootstrapAddrs = await resolveNodes(this.opts.bootstrap ?? [], (m) => this.emit('warning', m));
    this.timer = setInterval(() => this.maintain(), MAINTAIN_MS);
    this.timer.unref();
    this.readyPromise = this.bootstrap().catch(() => {});
    return this._port;
  }

  /** Resolves once the first bootstrap lookup has finished (whatever it found). */
  get ready(): Promise<void> {
    return this.readyPromise ?? Promise.resolve();
  }

  /** A find_node lookup of our own id from the saved nodes, the table and the bootstrap nodes. */
  async bootstrap(): Promise<void> {
    const seeds: (Address & { id?: Uint8Array })[] = [...this._table.closest(this._id, K * 2), ...this.savedNodes, ...this.bootstrapAddrs];
    if (seeds.length === 0) return;
    await this.runLookup('find_node', this._id, seeds);
  }

  /**
   * get_peers lookup for an info-hash: resolves with every peer found; `onPeers` gets them
   * as they arrive.
   */
  async lookup(infoHash: Uint8Array, onPeers?: (peers: Address[]) => void): Promise<Address[]> {
    const r = await this.getPeers(infoHash, onPeers);
    return [...r.peers];
  }

  /** get_peers lookup, then announce_peer (our TCP `port`, or implied_port when 0) to the K closest nodes with their tokens. */
  async announce(infoHash: Uint8Array, port: number, onPeers?: (peers: Address[]) => void): Promise<AnnounceResult> {
    const r = await this.getPeers(infoHash, onPeers);
    const sends = r.closest
      .filter((c) => c.token !== undefined)
      .map((c) =>
        this.ask(c.node, { method: 'announce_peer', infoHash, port: port > 0 ? port : this._port, token: c.token!, impliedPort: port <= 0 }, c.node.id).then(
          () => 1,
          () => 0,
        ),
      );
    const ok = (await Promise.all(sends)).reduce<number>((a, b) => a + b, 0);
    return { peers: r.peers, announced: ok };
  }

  private async getPeers(infoHash: Uint8Array, onPeers?: (peers: Address[]) => void): Promise<LookupResult> {
    if (infoHash.length !== 20) throw new DhtError('malformed', 'info-hash must be 20 bytes');
    if (this.closed) throw new DhtError('closed', 'DHT node closed');
    await this.ready;
    const seeds: (Address & { id?: Uint8Array })[] = this._table.closest(infoHash, K * 2);
    if (seeds.length < K) seeds.push(...this.savedNodes, ...this.bootstrapAddrs);
    return this.runLookup('get_peers', infoHash, seeds, onPeers);
  }

  private runLookup(method: 'find_node' | 'get_peers', target: Uint8Array, seeds: readonly (Address & { id?: Uint8Array | undefined })[], onPeers?: (peers: Address[]) => void): Promise<LookupResult> {
    const want = this.rpc.hasIPv4 && this.rpc.hasIPv6 ? { want: { n4: true, n6: true } } : {};
    return iterativeLookup({
      target,
      seeds,
      ownId: this._id,
      accept: (a) => this.routable(a) && !this.isOwnAddress(a),
      query: (to, id) => this.ask(to, method === 'find_node' ? { method, target, ...want } : { method, infoHash: target, ...want }, id),
      ...(onPeers && { onPeers }),
      acceptPeer: (a) => this.routable(a),
    });
  }

  /**
   * Whether we may send to an address a remote node told us about: never unspecified,
   * multicast or broadcast; private and loopback ones only when we live on such a network
   * ourselves (bound to one, or bootstrapped from one), so a public node cannot aim our
   * queries or our peer connections at services on this machine or its LAN.
   */
  private routable(a: Address): boolean {
    if (!(a.port > 0 && a.port <= 0xffff)) return false;
    const b = ipBytes(a.host);
    if (!b) return false;
    if (b.length === 4 ? b[0] === 0 || b[0]! >= 224 : b.every((x) => x === 0) || b[0] === 0xff) return false;
    return !isLocalAddress(a.host) || this.localNetwork;
  }

  private get localNetwork(): boolean {
    const h = this.opts.host;
    return (h !== undefined && isLocalAddress(h)) || this.bootstrapAddrs.some((x) => isLocalAddress(x.host)) || this.savedNodes.some((x) => isLocalAddress(x.host));
  }

  /** Our own socket, as a bootstrap list or a peer's reply may name it. */
  private isOwnAddress(a: Address): boolean {
    if (a.port !== this._port) return false;
    const h = this.opts.host;
    return a.host === h || ((h === undefined || h === '0.0.0.0' || h === '::') && isLocalAddress(a.host));
  }

  /** One query; answers refresh the routing table, failures count against the node. */
  private async ask(to: Address, body: QueryBody, knownId?: Uint8Array): Promise<Response> {
    try {
      const r = await this.rpc.query(to, body);
      if (r.ip) this.voteIp(r.ip.host, to.host);
      this.offer({ id: r.id, host: to.host, port: to.port }, true);
      return r;
    } catch (e) {
      if (knownId && !(e instanceof DhtError && e.reason === 'closed')) this._table.failed(knownId);
      throw e;
    }
  }

  private offer(n: NodeInfo, responded: boolean): void {
    if (this.opts.enforceSecureIds && !isSecureNodeId(n.id, n.host)) return;
    const { ping } = this._table.add(n, responded);
    if (ping) {
      this.rpc.query(ping, { method: 'ping' }).then(
        (r) => (idEquals(r.id, ping.id) ? this._table.seen(ping.id) : this._table.failed(ping.id)),
        () => this._table.failed(ping.id),
      );
    }
  }

  private onQuery(q: Query, from: Address): void {
    const fam = familyOf(from.host) === 6 ? 6 : 4;
    const ip = from;
    switch (q.method) {
      case 'ping':
        this.rpc.respond(from, { t: q.t, ip });
        break;
      case 'find_node':
        this.rpc.respond(from, { t: q.t, ip, ...this.nodesFor(q.target, fam, q.want) });
        break;
      case 'get_peers': {
        const values = this.store.get(q.infoHash, fam);
        this.rpc.respond(from, { t: q.t, ip, token: this.tokens.issue(from.host), ...(values.length > 0 && { values }), ...this.nodesFor(q.infoHash, fam, q.want) });
        break;
      }
      case 'announce_peer': {
        if (!this.tokens.check(q.token, from.host)) {
          this.rpc.error(from, q.t, KRPC_ERROR.protocol, 'bad token');
          return;
        }
        this.store.add(q.infoHash, { host: from.host, port: q.impliedPort ? from.port : q.port });
        this.rpc.respond(from, { t: q.t, ip });
        break;
      }
      case 'unknown':
        this.rpc.error(from, q.t, KRPC_ERROR.methodUnknown, 'method unknown');
        return;
    }
    if (!q.ro) this.offer({ id: q.id, host: from.host, port: from.port }, false);
  }

  private nodesFor(target: Uint8Array, fam: 4 | 6, want?: { n4: boolean; n6: boolean }): { nodes?: NodeInfo[]; nodes6?: NodeInfo[] } {
    const w4 = want ? want.n4 : fam === 4;
    const w6 = want ? want.n6 : fam === 6;
    const near = this._table.closest(target, K * 4);
    const pick = (f: 4 | 6): NodeInfo[] => near.filter((n) => familyOf(n.host) === f).slice(0, K);
    return { ...(w4 && { nodes: pick(4) }), ...(w6 && { nodes6: pick(6) }) };
  }

  /** BEP 42: once enough distinct nodes agree on our public IP, take an id that is valid for it. */
  private voteIp(host: string, voter: string): void {
    if (this.fixedId || isLocalAddress(host) || familyOf(host) === 0) return;
    if (isSecureNodeId(this._id, host)) return;
    let voters = this.ipVotes.get(host);
    if (!voters) {
      if (this.ipVotes.size >= 50) this.ipVotes.clear();
      voters = new Set();
      this.ipVotes.set(host, voters);
    }
    voters.add(voter);
    if (voters.size >= IP_VOTES) {
      this.ipVotes.clear();
      this.rekey(secureNodeId(host));
    }
  }

  private rekey(id: Uint8Array): void {
    const old = this._table.nodes();
    this._id = new Uint8Array(id);
    this._table = new RoutingTable(this._id, { now: this.now });
    for (const n of old) this._table.add(n, n.lastResponse > 0);
  }

  private maintain(): void {
    if (this.closed) return;
    this.store.expire();
    if (this._table.size < K) {
      void this.bootstrap().catch(() => {});
    } else {
      for (const depth of this._table.staleBuckets(QUESTIONABLE_MS).slice(0, 3)) {
        this._table.touchBucket(depth);
        void this.runLookup('find_node', randomIdInBucket(this._id, depth), this._table.closest(this._id, K)).catch(() => {});
      }
    }
    if (this.opts.statePath !== undefined && this.now() - this.lastSave >= SAVE_EVERY_MS) void this.save().catch((e: Error) => this.emit('warning', e.message));
  }

  /** Writes the routing table to `statePath` (no-op without one). */
  async save(): Promise<void> {
    if (this.opts.statePath === undefined) return;
    this.lastSave = this.now();
    const nodes = this._table.nodes().filter((n) => n.lastResponse > 0);
    await saveState(this.opts.statePath, { id: this._id, nodes: nodes.length > 0 ? nodes : this.savedNodes });
  }

  /** Stops answering, saves the table, closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.rpc.close();
    await this.save().catch((e: Error) => this.emit('warning', e.message));
  }
}

/** 'host:port' strings -> addresses (names resolved; failures reported and skipped). */
export async function resolveNodes(list: readonly string[], warn: (m: string) => void): Promise<Address[]> {
  const out: Address[] = [];
  await Promise.all(
    list.map(async (s) => {
      const a = parseNodeAddress(s);
      if (!a) return warn(`bad DHT node address ${s}`);
      if (familyOf(a.host) !== 0) return void out.push(a);
      try {
        const r = await dnsLookup(a.host, { all: true });
        for (const x of r) out.push({ host: x.address, port: a.port });
      } catch (e) {
        warn(`DHT bootstrap ${s}: ${(e as Error).message}`);
      }
    }),
  );
  const seen = new Set<string>();
  return out.filter((a) => (seen.has(addrKey(a)) ? false : (seen.add(addrKey(a)), true)));
}

/** 'host:port' or '[v6]:port' -> address; undefined when malformed. */
export function parseNodeAddress(s: string): Address | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!(port > 0 && port <= 0xffff)) return undefined;
  return { host: m[1]!, port };
}
