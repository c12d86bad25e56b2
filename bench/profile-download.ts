/**
 * Profiles the shoal leecher of bench/download: one (or --seeders N) libtorrent seeders on
 * loopback, `node --cpu-prof dist/cli/main.js download …`, then prints the hottest functions
 * (self time) and the CPU seconds the process used. For finding what to optimise, not for
 * comparing clients (profiling itself costs a few per cent).
 *
 *   node build/bench/profile-download.js [--size MiB] [--seeders N] [--top 30] [--keep] [--perf]
 *
 * --client libtorrent (with --perf): profiles the libtorrent leecher instead, for comparison.
 * --perf: record with Linux `perf record -g` (all threads, native frames, CPU time rather
 * than the V8 profiler's wall-clock samples) instead of --cpu-prof, and print
 * `perf report` by shared object and symbol (needs perf and a perf_event_paranoid that allows it).
 *
 * Extra node flags for the profiled process: SHOAL_PROFILE_NODE_ARGS (space-separated).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliPath } from '../test/helpers/cli.js';
import { SHOAL_QUIET_NET, ltSeeder, type RunningSeeder } from './lib/clients.js';
import { makeBenchData } from './lib/e2e.js';
import { printProfile } from './lib/cpuprofile.js';
import { Sampler, withoutExtraCaCerts } from './lib/proc.js';
import { repoRoot } from '../test/helpers/cli.js';

const LT_SCRIPT = join(repoRoot, 'test', 'interop', 'peers', 'lt_peer.py');

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    seeders: { type: 'string', default: '1' },
    top: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    client: { type: 'string', default: 'shoal' },
  },
});

async function main(): Promise<void> {
  withoutExtraCaCerts();
  const data = await makeBenchData('profile', Number(values.size), 1024);
  const seeders: RunningSeeder[] = [];
  const profDir = join(data.root, 'prof');
  try {
    for (let i = 0; i < Number(values.seeders); i++) seeders.push(await ltSeeder(data.torrent, data.seedDir));
    const peers = seeders.flatMap((x) => ['--peer', `127.0.0.1:${x.port}`]);
    await mkdir(profDir, { recursive: true });
    const extra = (process.env['SHOAL_PROFILE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    // One unprofiled download first: warms the seeders and recycles page-cache pages (a
    // first write into never-touched memory of a VM costs several times more).
    const warm = spawn(process.execPath, [cliPath, 'download', data.torrent, '-o', join(data.root, 'warm'), '--quiet', ...SHOAL_QUIET_NET, ...peers], { stdio: 'ignore' });
    await new Promise((res) => warm.on('exit', res));
    await rm(join(data.root, 'warm'), { recursive: true, force: true });
    const shoalArgs = [cliPath, 'download', data.torrent, '-o', join(data.root, 'out'), '--json', ...SHOAL_QUIET_NET, ...peers];
    const perfData = join(profDir, 'perf.data');
    const ltArgs = [LT_SCRIPT, '--torrent', data.torrent, '--save', join(data.root, 'out'), '--mode', 'leech', '--fast', '--exit-on-finish', '--interval', '0.05', ...peers];
    const lt = values.client === 'libtorrent';
    if (lt && !values.perf) throw new Error('--client libtorrent needs --perf');
    const [cmd, args] = values.perf
      ? ['perf', ['record', '-F', '1999', '-g', '-o', perfData, '--', ...(lt ? ['/usr/bin/python3', ...ltArgs] : [process.execPath, '--perf-basic-prof', ...extra, ...shoalArgs])]]
      : [process.execPath, [...extra, '--cpu-prof', '--cpu-prof-dir', profDir, ...shoalArgs]];
    // Under perf the Sampler below measures perf itself; its CPU line is then meaningless.
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: [lt ? 'pipe' : 'ignore', 'ignore', 'inherit'] });
    const s = new Sampler(child.pid ?? 0, true, 20).start();
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    const u = s.stop();
    console.log(`exit ${code}, ${((performance.now() - t0) / 1000).toFixed(2)} s (incl. profile write), CPU ${u.cpu.toFixed(2)} s, peak RSS ${(u.rss / 2 ** 20).toFixed(0)} MiB`);
    if (values.perf) {
      const report = (sort: string, n: number): void => {
        const r = spawnSync('perf', ['report', '-i', perfData, '--no-children', '--sort', sort, '--stdio', '-g', 'none', '--percent-limit', '0.3'], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
        const samples = /Samples: (\S+)/.exec(r.stdout)?.[1] ?? /of event '[^']+'\n# Event count[^\n]*/.exec(r.stdout)?.[0];
        console.log(`\nperf report by ${sort}${samples ? ` (${samples} samples)` : ''}:`);
        console.log(lines.slice(0, n).join('\n'));
      };
      report('tid', 8);
      report('dso', 8);
      report('dso,sym', Number(values.top));
    }
    const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
    for (const f of files) await printProfile(join(profDir, f), Number(values.top));
  } finally {
    await Promise.all(seeders.map((x) => x.stop()));
    if (!values.keep) await rm(data.root, { recursive: true, force: true });
    else console.log(`kept ${data.root}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench/profile-download: ${(e as Error).message}`);
  process.exitCode = 1;
});
