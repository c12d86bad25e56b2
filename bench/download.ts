/**
 * End-to-end download benchmark on loopback: one torrent of --size MiB (default 1024,
 * 1 MiB pieces) served by 1 and by 4 libtorrent seeders (high-performance preset, seed
 * mode), downloaded in the same run by shoal (`shoal download … --peer …`), the libtorrent
 * leecher and aria2. For each: wall seconds from process start to complete, MiB/s, CPU
 * seconds per GiB (utime + stime from /proc), peak RSS (VmHWM) and peak anonymous RSS
 * (RssAnon), medians of --runs runs (after one untimed warm-up download; clients take
 * turns in rotating order), and shoal's ratios against libtorrent.
 *
 *   npx tsc -p tsconfig.json && npx tsc -p tsconfig.build.json
 *   node build/bench/download.js [--size MiB] [--runs N] [--seeders 1,4] [--clients shoal,libtorrent,aria2] [--piece KiB] [--keep]
 *
 * Data lives in .bench/ (git-ignored) and is removed at the end unless --keep.
 * Needs Debian's python3-libtorrent (seeders, reference) and aria2 (optional). WebTorrent runs
 * when installed under SHOAL_WEBTORRENT_DIR or .bench/webtorrent (see bench/webtorrent-peer.ts);
 * otherwise it is skipped with a note saying how to install it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MiniTracker } from '../test/helpers/mini-tracker.js';
import { aria2Leech, ltLeech, ltSeeder, shoalAvailable, shoalHow, shoalLeech, webtorrentMissing, wtLeech, type LeechResult, type RunningSeeder } from './lib/clients.js';
import { makeBenchData, parseE2eArgs, printTable, removeBenchData, type Row } from './lib/e2e.js';
import { missingPackages, withoutExtraCaCerts } from './lib/proc.js';

const USAGE = 'node build/bench/download.js [--size MiB] [--runs N] [--seeders 1,4] [--clients shoal,libtorrent,aria2,webtorrent] [--piece KiB] [--keep]';
const ALL = ['shoal', 'libtorrent', 'aria2', 'webtorrent'];

async function main(): Promise<void> {
  const o = parseE2eArgs(USAGE);
  const missing = missingPackages(['libtorrent', 'aria2']);
  for (const m of missing) console.log(`missing: ${m.pkg} (${m.why}): apt-get install -y ${m.pkg}`);
  if (missing.some((m) => m.pkg === 'python3-libtorrent')) {
    console.log('libtorrent provides the seeders: install python3-libtorrent and run again.');
    process.exitCode = 1;
    return;
  }
  const want = o.clients ?? ALL;
  const wtMissing = webtorrentMissing();
  if (want.includes('webtorrent') && wtMissing !== undefined) console.log(wtMissing);
  const clients = want.filter((c) => {
    if (c === 'aria2' && missing.some((m) => m.pkg === 'aria2')) return false;
    if (c === 'webtorrent' && wtMissing !== undefined) return false;
    if (c === 'shoal' && !shoalAvailable('download')) {
      console.log(`shoal: ${shoalHow('download')} (skipped)`);
      return false;
    }
    return ALL.includes(c);
  });
  if (clients.includes('shoal')) console.log(`shoal runs as: ${shoalHow('download')}`);
  console.log(`${o.sizeMiB} MiB, ${o.pieceKiB} KiB pieces, ${o.runs} runs, seeders ${o.seeders.join(' and ')}; a shared, noisy 2-core machine: figures are rough.`);
  withoutExtraCaCerts();

  const data = await makeBenchData('download', o.sizeMiB, o.pieceKiB);
  const limitMs = Math.max(120_000, o.sizeMiB * 200);
  try {
    for (const k of o.seeders) {
      const seeders: RunningSeeder[] = [];
      const tracker = await MiniTracker.start();
      try {
        for (let i = 0; i < k; i++) seeders.push(await ltSeeder(data.torrent, data.seedDir));
        const peers = seeders.map((s) => `127.0.0.1:${s.port}`);
        tracker.peers = seeders.map((s) => ({ ip: '127.0.0.1', port: s.port }));
        // One untimed download first: the seeders' first pass over the data is slower (their
        // caches and mmaps are cold), which would tax whichever client happens to go first.
        const warm = join(data.root, 'out-warmup');
        await ltLeech(data.torrent, warm, peers, limitMs).catch((e: unknown) => console.log(`  warm-up failed: ${(e as Error).message}`));
        await rm(warm, { recursive: true, force: true });
        const results = new Map<string, LeechResult[]>(clients.map((c) => [c, []]));
        for (let r = 0; r < o.runs; r++) {
          const order = clients.map((_, i) => clients[(i + r) % clients.length]!);
          for (const c of order) {
            const out = join(data.root, `out-${c}`);
            await rm(out, { recursive: true, force: true });
            try {
              const res =
                c === 'shoal'
                  ? await shoalLeech(data.torrent, out, peers, limitMs)
                  : c === 'libtorrent'
                    ? await ltLeech(data.torrent, out, peers, limitMs)
                    : c === 'webtorrent'
                      ? await wtLeech(data.torrent, out, peers, limitMs)
                      : await aria2Leech(data.torrent, out, tracker.url, limitMs);
              results.get(c)!.push(res);
              const durable = res.durableSeconds === undefined ? '' : ` (flushed to disk and exited at ${res.durableSeconds.toFixed(2)} s)`;
              console.log(`  run ${r + 1}, ${k} seeder(s), ${c}: ${res.seconds.toFixed(2)} s${durable}, CPU ${res.cpu.toFixed(2)} s (sys ${res.sys.toFixed(2)}), peak RSS ${(res.rss / 2 ** 20).toFixed(0)} MiB, peak anon ${(res.anon / 2 ** 20).toFixed(0)} MiB`);
            } catch (e) {
              console.log(`  run ${r + 1}, ${k} seeder(s), ${c}: FAILED: ${(e as Error).message}`);
            } finally {
              await rm(out, { recursive: true, force: true });
            }
          }
        }
        const rows: Row[] = clients.map((c) => ({ name: c === 'libtorrent' ? 'libtorrent' : c, results: results.get(c)! }));
        printTable(`Download ${o.sizeMiB} MiB from ${k} libtorrent seeder(s) (medians of ${o.runs})`, rows, data.bytes, 'libtorrent');
      } finally {
        await Promise.all(seeders.map((s) => s.stop()));
        await tracker.close();
      }
    }
  } finally {
    await removeBenchData(data, o.keep);
  }
}

main().catch((e: unknown) => {
  console.error(`bench/download: ${(e as Error).message}`);
  process.exitCode = 1;
});
