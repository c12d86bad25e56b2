/**
 * Iterative Kademlia lookup (BEP 5): ask the ALPHA closest not-yet-asked nodes in parallel,
 * learn closer nodes from their answers, stop when the K closest live nodes have all
 * answered. Sans-IO apart from the injected `query` function.
 */
import type { Address, NodeInfo } from './compact.js';
import { addrKey } from './compact.js';
import type { Response } from './krpc.js';
import { compareDistance, idEquals } from './node-id.js';

export const ALPHA = 3;

export interface LookupOptions {
  readonly target: Uint8Array;
  /** Starting nodes; entries without an id (bootstrap routers) are asked first. */
  readonly seeds: readonly (Address & { id?: Uint8Array | undefined })[];
  /** Sends the query; `id` is the node's id when known (failures count against it). */
  readonly query: (to: Address, id: Uint8Array | undefined) => Promise<Response>;
  /** Our id: never a candidate. */
  readonly ownId: Uint8Array;
  readonly k?: number;
  readonly alpha?: number;
  /** Safety cap on queries sent by one lookup (default 300). */
  readonly maxQueries?: number;
  /** Peers from `values`, as they come (only new addresses). */
  readonly onPeers?: (peers: Address[]) => void;
  /** Whether a node address may be asked at all (e.g. not ourselves). */
  readonly accept?: (a: Address) => boolean;
  /** Whether a peer from `values` is kept. */
  readonly acceptPeer?: (a: Address) => boolean;
}

export interface LookupResult {
  /** The K closest nodes that answered, closest first, with the token each gave. */
  readonly closest: readonly { node: NodeInfo; token: Uint8Array | undefined }[];
  /** Every distinct peer found. */
  readonly peers: readonly Address[];
  readonly queries: number;
}

interface Candidate {
  id: Uint8Array | undefined;
  addr: Address;
  state: 'new' | 'pending' | 'done' | 'failed';
  token?: Uint8Array | undefined;
}

export function iterativeLookup(o: LookupOptions): Promise<LookupResult> {
  const k = o.k ?? 8;
  const alpha = o.alpha ?? ALPHA;
  const maxQueries = o.maxQueries ?? 300;
  const maxCandidates = k * 8;
  const cands: Candidate[] = [];
  const byAddr = new Map<string, Candidate>();
  const peers = new Map<string, Address>();
  let inFlight = 0;
  let queries = 0;

  const order = (a: Candidate, b: Candidate): number => {
    if (!a.id || !b.id) return a.id ? 1 : b.id ? -1 : 0;
    return compareDistance(o.target, a.id, b.id);
  };
  const addCandidate = (n: Address & { id?: Uint8Array | undefined }): void => {
    if (n.id && idEquals(n.id, o.ownId)) return;
    if (o.accept && !o.accept(n)) return;
    const key = addrKey(n);
    if (byAddr.has(key)) return;
    if (n.id && cands.some((c) => c.id && idEquals(c.id, n.id!))) return;
    const c: Candidate = { id: n.id, addr: { host: n.host, port: n.port }, state: 'new' };
    cands.push(c);
    byAddr.set(key, c);
  };
  const trim = (): void => {
    cands.sort(order);
    while (cands.length > maxCandidates) {
      const c = cands.pop()!;
      byAddr.delete(addrKey(c.addr));
    }
  };
  for (const s of o.seeds) addCandidate(s);
  trim();

  return new Promise<LookupResult>((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const closest = cands
        .filter((c) => c.state === 'done' && c.id)
        .slice(0, k)
        .map((c) => ({ node: { id: c.id!, host: c.addr.host, port: c.addr.port }, token: c.token }));
      resolve({ closest, peers: [...peers.values()], queries });
    };
    const step = (): void => {
      if (finished) return;
      // The K closest candidates that have not failed decide whether we are done.
      let live = 0;
      for (const c of cands) {
        if (c.state === 'failed') continue;
        if (live >= k) break;
        live++;
        if (c.state !== 'new' || inFlight >= alpha || queries >= maxQueries) continue;
        send(c);
      }
      if (inFlight === 0) finish();
    };
    const send = (c: Candidate): void => {
      c.state = 'pending';
      inFlight++;
      queries++;
      o.query(c.addr, c.id).then(
        (r) => {
          inFlight--;
          c.state = 'done';
          if (!c.id) c.id = r.id;
          else if (!idEquals(c.id, r.id)) c.id = r.id;
          c.token = r.token;
          const fresh: Address[] = [];
          for (const p of r.values ?? []) {
            if (o.acceptPeer && !o.acceptPeer(p)) continue;
            const key = addrKey(p);
            if (!peers.has(key)) {
              peers.set(key, p);
              fresh.push(p);
            }
          }
          for (const n of r.nodes ?? []) addCandidate(n);
          for (const n of r.nodes6 ?? []) addCandidate(n);
          trim();
          if (fresh.length > 0) o.onPeers?.(fresh);
          step();
        },
        () => {
          inFlight--;
          c.state = 'failed';
          step();
        },
      );
    };
    step();
  });
}
