/**
 * Web seed (BEP 19) download benchmark on loopback: one file of --size MiB (default 256,
 * --piece KiB pieces, default 1024) served by a node:http Range server (test/engine/
 * webseed-server.ts) in this process, with no BitTorrent peer at all. Downloaded in turns by
 * shoal (test/helpers/engine-runner.js download: the library with default web seed
 * options), aria2 (its BEP 19 support, same .torrent) and, as the ceiling, curl fetching
 * the file in one plain GET. Wall seconds from process start to exit and MiB/s, medians of
 * --runs runs, and shoal's ratio against each. The machine is shared: figures are rough.
 *
 *   npx tsc -p tsconfig.json && node build/bench/webseed.js [--size MiB] [--piece KiB] [--runs N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTorrent } from '../src/metainfo/create.js';
import { startWebSeedServer } from '../test/engine/webseed-server.js';
import { median } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const runner = join(repo, 'build/test/helpers/engine-runner.js');

function has(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('error', rej);
    p.once('exit', (code) => (code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`${cmd} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string' }, piece: { type: 'string' }, runs: { type: 'string' } } });
  const sizeMiB = Number(values.size ?? 256);
  const pieceKiB = Number(values.piece ?? 1024);
  const runs = Number(values.runs ?? 3);
  const root = join(repo, '.bench', 'webseed');
  await rm(root, { recursive: true, force: true });
  const seedDir = join(root, 'seed');
  await mkdir(seedDir, { recursive: true });
  const file = join(seedDir, 'data.bin');
  const chunk = randomBytes(1 << 20);
  const parts: Buffer[] = [];
  for (let i = 0; i < sizeMiB; i++) parts.push(chunk.map((b) => b ^ i) as Buffer);
  await writeFile(file, Buffer.concat(parts));
  const srv = await startWebSeedServer({ root: seedDir });
  try {
    const created = await createTorrent(file, { pieceLength: pieceKiB << 10, webSeeds: [srv.base], creationDate: false, threads: 2 });
    const torrent = join(root, 'data.torrent');
    await writeFile(torrent, created.torrent);
    console.log(`${sizeMiB} MiB, ${pieceKiB} KiB pieces, ${runs} runs, web seed ${srv.base} (node:http in this process); a shared, noisy 2-core machine: figures are rough.`);
    const clients: { name: string; go: (out: string) => Promise<number> }[] = [
      { name: 'shoal', go: (out) => run(process.execPath, [runner, 'download', torrent, '-o', out]) },
    ];
    if (has('aria2c')) {
      clients.push({
        name: 'aria2',
        go: (out) => run('aria2c', ['-q', '--dir', out, '--seed-time=0', '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false', '--file-allocation=none', '--bt-tracker-connect-timeout=1', torrent]),
      });
    } else console.log('aria2c not installed (apt-get install aria2): skipped');
    if (has('curl')) clients.push({ name: 'curl (one GET)', go: (out) => run('curl', ['-sS', '-o', join(out, 'data.bin'), `${srv.base}data.bin`]) });
    const times = new Map<string, number[]>(clients.map((c) => [c.name, []]));
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < clients.length; k++) {
        const c = clients[(k + r) % clients.length]!;
        const out = join(root, `out-${c.name.split(' ')[0]}`);
        await rm(out, { recursive: true, force: true });
        await mkdir(out, { recursive: true });
        times.get(c.name)!.push(await c.go(out));
        await rm(out, { recursive: true, force: true });
      }
    }
    const med = new Map([...times].map(([n, t]) => [n, median(t)]));
    const shoal = med.get('shoal')!;
    console.log('client            median s   MiB/s   shoal time ratio');
    for (const [n, s] of med) {
      console.log(`${n.padEnd(16)} ${s.toFixed(2).padStart(9)} ${(sizeMiB / s).toFixed(0).padStart(7)}   ${(shoal / s).toFixed(2)}`);
    }
  } finally {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
