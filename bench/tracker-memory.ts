// Memory per stored peer in the memory store at one million peers (goal: under 100 bytes).
// Run: node --expose-gc build/bench/tracker-memory.js
// Reports heap + array-buffer growth per peer for several swarm shapes, and the in-process
// store's announce rate (no sockets) as a side figure.
import { MemoryStore } from '../src/tracker/server/store/memory.js';
import { benchInfoHash } from './tracker/workload.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const TOTAL = 1_000_000;
const shapes: [number, number][] = [
  [10_000, 100],
  [1_000, 1_000],
  [100_000, 10],
  [10, 100_000],
];
const peerId = Buffer.alloc(20, 7);
const rows: string[] = [];
for (const [torrents, per] of shapes) {
  const hashes = Array.from({ length: torrents }, (_, i) => benchInfoHash(i));
  const addr = Buffer.alloc(6);
  const before = used();
  const rssBefore = process.memoryUsage().rss;
  const store = new MemoryStore({ maxPeers: 2 * TOTAL, maxPeersPerSwarm: 200_000 });
  const t0 = process.hrtime.bigint();
  for (let t = 0; t < torrents; t++) {
    for (let i = 0; i < per; i++) {
      const n = t * per + i;
      addr.writeUInt32BE(0x0a000000 + n, 0);
      addr.writeUInt16BE(6881, 4);
      store.announce({ infoHash: hashes[t]!, addr, peerId, seeder: (i & 3) === 0, event: 'started', want4: 0, want6: 0, wantPeerIds: false }, 0);
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = used();
  const rssAfter = process.memoryUsage().rss;
  const totals = store.totals();
  if (totals.peers !== TOTAL) throw new Error(`stored ${totals.peers} peers`);
  // Answer rate with 50 peers per response, the realistic case.
  const t1 = process.hrtime.bigint();
  const N = 300_000;
  for (let k = 0; k < N; k++) {
    const n = (k * 7919) % TOTAL;
    addr.writeUInt32BE(0x0a000000 + n, 0);
    store.announce({ infoHash: hashes[Math.floor(n / per)]!, addr, peerId, seeder: false, event: 'none', want4: 50, want6: 0, wantPeerIds: false }, 0);
  }
  const secs2 = Number(process.hrtime.bigint() - t1) / 1e9;
  const perPeer = (after - before) / TOTAL;
  rows.push(
    `${String(torrents).padStart(7)} x ${String(per).padEnd(7)} ${perPeer.toFixed(1).padStart(6)} B/peer  (rss +${((rssAfter - rssBefore) / TOTAL).toFixed(1)} B/peer)  ` +
      `insert ${(TOTAL / secs / 1e6).toFixed(2)} M/s, announce+50 peers ${(N / secs2 / 1e6).toFixed(2)} M/s  ${perPeer < 100 ? 'OK' : 'OVER GOAL'}`,
  );
  await store.close();
}
console.log(`memory store, ${TOTAL.toLocaleString()} IPv4 peers (heap + array buffers growth; goal < 100 B/peer)`);
console.log('torrents x peers    memory');
for (const r of rows) console.log(r);
