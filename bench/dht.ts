/**
 * Benchmark: the DHT.
 * Run: npx tsc -p tsconfig.json && node build/bench/dht.js [runs=9]
 *
 * 1. KRPC decode of a full get_peers reply (8 nodes, token, 50 peers; ~600 bytes) with
 *    shoal's typed decoder, against the `bencode` npm package (v4) decoding the same bytes
 *    to plain objects (the reference does less: no validation, no typed message); and
 *    encode of the same reply against `bencode.encode` of the decoded object.
 * 2. get_peers lookups on a 50-node DHT on 127.0.0.1: time and queries per lookup (no
 *    reference client in this run: absolute figures only).
 * The machine is shared: treat figures as rough.
 */
import { randomBytes } from 'node:crypto';
import bencode from 'bencode';
import { decodeMessage, encodeResponse } from '../src/dht/krpc.js';
import type { Response } from '../src/dht/krpc.js';
import { DhtNode } from '../src/dht/node.js';
import { median, timeRuns } from './lib/stats.js';

const runs = Number(process.argv[2] ?? 9);

function reply(): Response {
  const nodes = Array.from({ length: 8 }, (_, i) => ({ id: randomBytes(20), host: `10.0.${i}.1`, port: 6881 + i }));
  const values = Array.from({ length: 50 }, (_, i) => ({ host: `192.0.2.${i + 1}`, port: 50_000 + i }));
  return { kind: 'response', t: Buffer.from('aa'), id: randomBytes(20), token: randomBytes(8), nodes, values, ip: { host: '198.51.100.1', port: 1234 } };
}

function codec(): void {
  const r = reply();
  const bytes = encodeResponse(r);
  const opts = { warmup: 20_000, iterations: 20_000, runs };
  const ours = median(timeRuns(() => decodeMessage(bytes), opts).cpuMs);
  const ref = median(timeRuns(() => bencode.decode(bytes), opts).cpuMs);
  const obj = bencode.decode(bytes) as unknown;
  const oursEnc = median(timeRuns(() => encodeResponse(r), opts).cpuMs);
  const refEnc = median(timeRuns(() => bencode.encode(obj), opts).cpuMs);
  const rate = (ms: number): string => `${Math.round(1 / ms)}k msg/s`;
  process.stdout.write(`KRPC get_peers reply, ${bytes.length} bytes (median CPU of ${runs} runs)\n`);
  process.stdout.write(`  decode  shoal ${rate(ours)}   bencode npm ${rate(ref)}   shoal/ref speed ${(ref / ours).toFixed(2)}x\n`);
  process.stdout.write(`  encode  shoal ${rate(oursEnc)}   bencode npm ${rate(refEnc)}   shoal/ref speed ${(refEnc / oursEnc).toFixed(2)}x\n`);
}

async function network(): Promise<void> {
  const HOST = '127.0.0.1';
  const boot = new DhtNode({ host: HOST, queryRate: 10_000 });
  await boot.listen();
  const rest = Array.from({ length: 49 }, () => new DhtNode({ host: HOST, bootstrap: [`${HOST}:${boot.port}`], queryRate: 10_000 }));
  await Promise.all(rest.map((n) => n.listen()));
  await Promise.all(rest.map((n) => n.ready));
  await Promise.all(rest.map((n) => n.bootstrap()));
  const all = [boot, ...rest];
  const times: number[] = [];
  const queries: number[] = [];
  let found = 0;
  for (let i = 0; i < runs * 3; i++) {
    const hash = randomBytes(20);
    await all[(i * 7) % 50]!.announce(hash, 10_000 + i);
    const seeker = all[(i * 13 + 5) % 50]!;
    const sent0 = seeker.stats.sent;
    const t0 = performance.now();
    const peers = await seeker.lookup(hash);
    times.push(performance.now() - t0);
    queries.push(seeker.stats.sent - sent0);
    if (peers.some((p) => p.port === 10_000 + i)) found++;
  }
  process.stdout.write(`50-node loopback DHT: ${runs * 3} get_peers lookups, median ${median(times).toFixed(1)} ms, median ${median(queries)} queries, found the announcer ${found}/${runs * 3}\n`);
  await Promise.all(all.map((n) => n.close()));
}

codec();
await network();
