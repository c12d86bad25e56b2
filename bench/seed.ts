/**
 * End-to-end seeding benchmark on loopback: a libtorrent leecher (high-performance preset)
 * downloads a --size MiB torrent (default 1024, 1 MiB pieces) from a shoal seeder
 * (`shoal seed`), from a libtorrent seeder (fast preset, seed mode) and from WebTorrent, taking turns.
 * Reports the leecher's wall seconds and MiB/s, the seeder's CPU seconds per GiB served
 * (utime + stime over the transfer, from /proc), the seeder's peak RSS (VmHWM) and peak
 * anonymous RSS (RssAnon), the leecher's CPU, medians of --runs runs (after one untimed
 * warm-up download from each seeder), and shoal's ratios against libtorrent.
 *
 *   npx tsc -p tsconfig.json && npx tsc -p tsconfig.build.json
 *   node build/bench/seed.js [--size MiB] [--runs N] [--clients shoal,libtorrent] [--piece KiB] [--keep]
 *
 * Data lives in .bench/ (git-ignored), removed at the end unless --keep.
 * Needs Debian's python3-libtorrent. A WebTorrent seeder takes its turn too when installed under
 * SHOAL_WEBTORRENT_DIR or .bench/webtorrent (see bench/webtorrent-peer.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ltLeech, ltSeeder, shoalAvailable, shoalHow, shoalSeeder, webtorrentMissing, wtSeeder, type LeechResult, type RunningSeeder } from './lib/clients.js';
import { makeBenchData, parseE2eArgs, printTable, removeBenchData } from './lib/e2e.js';
import { missingPackages, withoutExtraCaCerts, Sampler } from './lib/proc.js';
import { median } from './lib/stats.js';

const USAGE = 'node build/bench/seed.js [--size MiB] [--runs N] [--clients shoal,libtorrent,webtorrent] [--piece KiB] [--keep]';

async function main(): Promise<void> {
  const o = parseE2eArgs(USAGE);
  const missing = missingPackages(['libtorrent']);
  for (const m of missing) console.log(`missing: ${m.pkg} (${m.why}): apt-get install -y ${m.pkg}`);
  if (missing.length > 0) {
    process.exitCode = 1;
    return;
  }
  const want = o.clients ?? ['shoal', 'libtorrent', 'webtorrent'];
  const wtMissing = webtorrentMissing();
  if (want.includes('webtorrent') && wtMissing !== undefined) console.log(wtMissing);
  const kinds = want.filter((c) => {
    if (c === 'webtorrent') return wtMissing === undefined;
    if (c === 'shoal' && !shoalAvailable('seed')) {
      console.log(`shoal: ${shoalHow('seed')} (skipped)`);
      return false;
    }
    return c === 'shoal' || c === 'libtorrent';
  });
  if (kinds.includes('shoal')) console.log(`shoal runs as: ${shoalHow('seed')}`);
  console.log(`${o.sizeMiB} MiB, ${o.pieceKiB} KiB pieces, ${o.runs} runs; a shared, noisy 2-core machine: figures are rough.`);
  withoutExtraCaCerts();

  const data = await makeBenchData('seed', o.sizeMiB, o.pieceKiB);
  const limitMs = Math.max(120_000, o.sizeMiB * 200);
  const seeders = new Map<string, RunningSeeder>();
  try {
    for (const k of kinds) {
      seeders.set(k, k === 'shoal' ? await shoalSeeder(data.torrent, data.dataPath) : k === 'webtorrent' ? await wtSeeder(data.torrent, data.seedDir) : await ltSeeder(data.torrent, data.seedDir));
    }
    // One untimed download from each seeder first, so neither is measured cold.
    for (const [k, seeder] of seeders) {
      const warm = join(data.root, `out-warmup-${k}`);
      await ltLeech(data.torrent, warm, [`127.0.0.1:${seeder.port}`], limitMs).catch((e: unknown) => console.log(`  warm-up (${k}) failed: ${(e as Error).message}`));
      await rm(warm, { recursive: true, force: true });
    }
    const seederUse = new Map<string, LeechResult[]>(kinds.map((k) => [k, []]));
    const leecherCpu = new Map<string, number[]>(kinds.map((k) => [k, []]));
    for (let r = 0; r < o.runs; r++) {
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]!);
      for (const k of order) {
        const seeder = seeders.get(k)!;
        const out = join(data.root, `out-${k}`);
        await rm(out, { recursive: true, force: true });
        const sampler = new Sampler(seeder.pid, false).start();
        try {
          const leech = await ltLeech(data.torrent, out, [`127.0.0.1:${seeder.port}`], limitMs);
          const use = sampler.stop();
          seederUse.get(k)!.push({ seconds: leech.seconds, ...use });
          leecherCpu.get(k)!.push(leech.cpu);
          console.log(`  run ${r + 1}, ${k} seeder: ${leech.seconds.toFixed(2)} s, seeder CPU ${use.cpu.toFixed(2)} s (sys ${use.sys.toFixed(2)}), seeder peak RSS ${(use.rss / 2 ** 20).toFixed(0)} MiB, anon ${(use.anon / 2 ** 20).toFixed(0)} MiB, leecher CPU ${leech.cpu.toFixed(2)} s`);
        } catch (e) {
          sampler.stop();
          console.log(`  run ${r + 1}, ${k} seeder: FAILED: ${(e as Error).message}`);
        } finally {
          await rm(out, { recursive: true, force: true });
        }
      }
    }
    printTable(
      `A libtorrent leecher downloads ${o.sizeMiB} MiB from one seeder (medians of ${o.runs}); CPU and RSS are the seeder's`,
      kinds.map((k) => ({ name: `${k} seeder`, results: seederUse.get(k)! })),
      data.bytes,
      'libtorrent seeder',
      'seeder CPU/GiB',
      'seeder RSS',
    );
    for (const k of kinds) {
      const c = leecherCpu.get(k)!;
      if (c.length) console.log(`  leecher CPU with the ${k} seeder: ${(median(c) / (data.bytes / 2 ** 30)).toFixed(2)} s/GiB`);
    }
  } finally {
    await Promise.all([...seeders.values()].map((s) => s.stop()));
    await removeBenchData(data, o.keep);
  }
}

main().catch((e: unknown) => {
  console.error(`bench/seed: ${(e as Error).message}`);
  process.exitCode = 1;
});
