// Metadata exchange (BEP 9) on 127.0.0.1: how long fetching an info dictionary of SIZE
// bytes takes, shoal and libtorrent on each side. Run by hand:
//   node build/bench/metadata.js [--size BYTES] [--runs N]
// Prints the median of N runs per pair and the ratios against libtorrent -> libtorrent.
// libtorrent's times are read by lt_peer.py polling every 10 ms (so +-10 ms) and start when
// it is told the peer: libtorrent often dials x.pe peers only on its next 0.5-1 s tick, which
// dominates its rows; the 'connected' row times shoal's serving from the connection on. The
// machine is shared: treat the figures as rough.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { encode } from '../src/bencode/encode.js';
import { Client } from '../src/engine/index.js';
import { parseTorrent } from '../src/metainfo/parse.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { LtPeer, libtorrentMissing } from '../test/interop/peers/libtorrent.js';
import { median } from './lib/stats.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const SIZE = arg('size', 1 << 20);
const RUNS = arg('runs', 5);

async function main(): Promise<void> {
  const missing = libtorrentMissing();
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-meta-'));
  try {
    const hashes = Math.floor(SIZE / 20);
    const info = encode({ length: hashes * 16384, name: 'bench.bin', 'piece length': 16384, pieces: randomBytes(hashes * 20) });
    const torrent = Buffer.concat([Buffer.from('d4:info'), info, Buffer.from('e')]);
    const torrentPath = join(dir, 'bench.torrent');
    await writeFile(torrentPath, torrent);
    const meta = parseTorrent(torrent);
    const magnet = (port: number): string => `magnet:?xt=urn:btih:${meta.infoHash.hex}&x.pe=127.0.0.1:${port}`;
    console.log(`metadata ${info.length} bytes (${Math.ceil(info.length / 16384)} pieces), ${RUNS} runs each`);

    // Servers: a shoal client holding the torrent (no data needed to serve metadata) and a
    // libtorrent leecher holding it.
    const server = new Client({ host: '127.0.0.1' });
    const served = await server.add(meta, { path: dir, announce: false, resume: false, storage: (l) => new MemoryStorage(l) });
    let connectedAt = 0;
    served.on('peer', (e) => {
      if (e.type === 'connect') connectedAt = performance.now();
    });
    /** libtorrent fetching from shoal, counted from the moment it connected (its dial delay aside). */
    const sinceConnect: number[] = [];
    const shoalPort = await server.ready();
    let lt: LtPeer | undefined;
    if (!missing) {
      await mkdir(join(dir, 'lt-seed'));
      lt = await LtPeer.start({ torrent: torrentPath, save: join(dir, 'lt-seed'), mode: 'leech' });
    }

    const shoalFetch = async (port: number): Promise<number> => {
      const c = new Client({ host: '127.0.0.1', noListen: true });
      const t0 = performance.now();
      await c.fetchMetadata(magnet(port), { metadataTimeout: 60_000 });
      const ms = performance.now() - t0;
      await c.close();
      return ms;
    };
    const ltFetch = async (port: number, i: number): Promise<number> => {
      const save = join(dir, `lt-${port}-${i}`);
      await mkdir(save);
      const p = await LtPeer.start({ magnet: magnet(port), save, mode: 'leech', interval: 0.01 });
      connectedAt = 0;
      const ev = await p.next((e) => e.event === 'metadata');
      if (port === shoalPort && connectedAt > 0) sinceConnect.push(performance.now() - connectedAt);
      await p.stop();
      return (ev.seconds as number) * 1000;
    };

    const rows: [string, number[]][] = [];
    const run = async (name: string, fn: (i: number) => Promise<number>): Promise<void> => {
      const t: number[] = [];
      for (let i = 0; i < RUNS; i++) t.push(await fn(i));
      rows.push([name, t]);
      console.log(`${name.padEnd(28)} median ${median(t).toFixed(1)} ms  (${t.map((x) => x.toFixed(0)).join(', ')})`);
    };
    await run('shoal <- shoal', () => shoalFetch(shoalPort));
    if (lt) {
      await run('shoal <- libtorrent', () => shoalFetch(lt!.port));
      await run('libtorrent <- shoal', (i) => ltFetch(shoalPort, i));
      await run('libtorrent <- libtorrent', (i) => ltFetch(lt!.port, i + 100));
      console.log(`${'libtorrent <- shoal, connected'.padEnd(28)} median ${median(sinceConnect).toFixed(1)} ms  (from shoal seeing the connection to the metadata line, 10 ms polling)`);
      // The fair comparison: one fetcher (shoal's), either server.
      console.log(`serving ratio (shoal fetcher; lower is better): shoal server ${(median(rows[0]![1]) / median(rows[1]![1])).toFixed(2)}x libtorrent server`);
      console.log('libtorrent fetcher rows are dominated by when libtorrent dials the x.pe peer (0.5-1 s ticks)');
      await lt.stop();
    } else console.log(`libtorrent rows skipped: ${missing}`);
    await server.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
