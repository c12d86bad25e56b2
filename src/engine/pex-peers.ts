import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { PexFlags } from '../wire/pex.js';
import type { PexAddress, PexPeer } from '../wire/pex.js';
import type { PeerConnection } from './peer.js';
import { addressKey } from './candidates.js';
import { parseHostPort, plainIp } from './swarm.js';

/**
 * The address other peers can dial to reach a connected peer: for a connection we made,
 * the address we dialled; for one it made, its IP with the port from its BEP 10 handshake
 * (`p`). Undefined when not known (incoming without `p`) or not an IP literal.
 */
export function listenAddress(c: PeerConnection): PexAddress | undefined {
  let host: string;
  let port: number;
  if (c.incoming) {
    const p = c.extensionHandshake?.p;
    if (p === undefined) return undefined;
    host = c.ip;
    port = p;
  } else {
    const remote = plainIp(c.socket.remoteAddress);
    if (remote !== '' && c.socket.remotePort !== undefined) {
      host = remote;
      port = c.socket.remotePort;
    } else {
      const hp = parseHostPort(c.address);
      if (!hp) return undefined;
      host = plainIp(hp.host);
      port = hp.port;
    }
  }
  const family = isIP(host);
  if ((family !== 4 && family !== 6) || !usableAddress(host) || !(port > 0 && port <= 0xffff)) return undefined;
  return { host, port, family };
}

/** BEP 11 flags we advertise for a connected peer: seed, and reachable when we dialled it. */
export function peerFlags(c: PeerConnection): number {
  let f = 0;
  const pp = c.pp;
  if (pp !== undefined && (pp.seed || pp.bitfield.complete)) f |= PexFlags.seed;
  if (c.extensionHandshake?.uploadOnly === true) f |= PexFlags.seed;
  if (!c.incoming) f |= PexFlags.reachable;
  return f;
}

/** False for addresses nobody can dial: unspecified, multicast, limited broadcast. */
export function usableAddress(host: string): boolean {
  const family = isIP(host);
  if (family === 4) {
    const first = Number(host.slice(0, host.indexOf('.')));
    return host !== '0.0.0.0' && host !== '255.255.255.255' && !(first >= 224 && first <= 239);
  }
  if (family === 6) {
    const h = host.toLowerCase();
    return h !== '::' && !h.startsWith('ff');
  }
  return false;
}

const LOCAL_TTL_MS = 60_000;
let localCache: { at: number; set: Set<string> } | undefined;

/** This host's own addresses (every interface, loopback included), cached for a minute. */
export function localAddresses(now: number): ReadonlySet<string> {
  if (localCache && now - localCache.at < LOCAL_TTL_MS) return localCache.set;
  const set = new Set<string>(['127.0.0.1', '::1', '0.0.0.0', '::']);
  try {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) set.add(plainIp(a.address.split('%')[0]));
  } catch {
    // No interface list (sandboxes): loopback only.
  }
  localCache = { at: now, set };
  return set;
}

/** True when host:port is our own listener (a local address and our port). */
export function isSelf(host: string, port: number, listenPort: number, now: number): boolean {
  if (listenPort <= 0 || port !== listenPort) return false;
  const h = plainIp(host);
  return h.startsWith('127.') || localAddresses(now).has(h);
}

/** Keyed entries: the form in which PEX compares what a peer was told with what is true now. */
export function pexKey(a: PexAddress): string {
  return addressKey(a.host, a.port);
}

/**
 * The diff to send a peer: entries of `now` it was not told about (its own address excluded)
 * and entries it was told about that are gone, each list capped at `max`. `told` is updated
 * to what the peer knows after the message, so entries over the cap go in the next one.
 */
export function pexDiff(now: ReadonlyMap<string, PexPeer>, told: Map<string, PexPeer>, self: string | undefined, max: number): { added: PexPeer[]; dropped: PexAddress[] } {
  const added: PexPeer[] = [];
  const dropped: PexAddress[] = [];
  for (const [k, p] of now) {
    if (added.length >= max) break;
    if (k === self || told.has(k)) continue;
    added.push(p);
    told.set(k, p);
  }
  for (const [k, p] of told) {
    if (dropped.length >= max) break;
    if (now.has(k)) continue;
    dropped.push({ host: p.host, port: p.port, family: p.family });
    told.delete(k);
  }
  return { added, dropped };
}
