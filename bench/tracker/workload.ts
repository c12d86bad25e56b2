// The bench's workload: deterministic info-hashes and peers, shared by the driver and the load generator.
import { createHash } from 'node:crypto';

export interface Workload {
  readonly torrents: number;
  readonly peersPerTorrent: number;
  readonly numWant: number;
}

export function benchInfoHash(i: number): Buffer {
  return createHash('sha1').update(`shoal-bench-${i}`).digest();
}

export function benchPeerId(i: number): Buffer {
  const b = Buffer.alloc(20);
  b.write('-SB0001-', 0, 'latin1');
  b.writeUInt32BE(i, 16);
  return b;
}

/** Peer i of torrent t announces port 1024 + (t * peersPerTorrent + i) mod 60000. */
export function benchPort(w: Workload, t: number, i: number): number {
  return 1024 + ((t * w.peersPerTorrent + i) % 60000);
}
