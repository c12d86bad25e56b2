// libtorrent and aria2 find each other through a shoal tracker (HTTP and UDP) and complete a
// transfer; transmission-show --scrape reads the tracker's counts. Skips visibly per missing client.
import { test, before, after, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTracker, type Tracker } from '../../src/tracker/server/index.js';
import { makeTorrent } from '../tracker/fixtures.js';
import { freePort } from '../tracker/redis-helper.js';
import { has, start, type Proc } from './tracker/procs.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LT_SCRIPT = join(repoRoot, 'test/interop/peers/lt_peer.py');
const PY = '/usr/bin/python3';
const haveLt = spawnSync(PY, ['-c', 'import libtorrent'], { stdio: 'ignore' }).status === 0;
const haveAria2 = has('aria2c');
const haveShow = has('transmission-show', ['--version']) || spawnSync('transmission-show', ['-V']).status !== null;

let dir: string;
let tracker: Tracker;
const data = randomBytes(3 * 1024 * 1024 + 12345);
const procs: Proc[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shoal-tracker-interop-'));
  tracker = await startTracker({ host: '127.0.0.1', http: 0, udp: 0, announceInterval: 60 });
});
after(async () => {
  for (const p of procs) await p.kill();
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(name: string, announce: string): Promise<{ torrent: string; seedDir: string; leechDir: string; infoHash: Buffer }> {
  const { torrent, infoHash } = makeTorrent(name, data, 256 * 1024, announce);
  const base = join(dir, name);
  const seedDir = join(base, 'seed');
  const leechDir = join(base, 'leech');
  await mkdir(seedDir, { recursive: true });
  await mkdir(leechDir, { recursive: true });
  await writeFile(join(seedDir, name), data);
  const file = join(base, `${name}.torrent`);
  await writeFile(file, torrent);
  return { torrent: file, seedDir, leechDir, infoHash };
}

const run = promisify(execFile);

/** transmission-show --scrape, run asynchronously: the tracker lives in this process. */
async function showScrape(torrent: string): Promise<string> {
  const r = await run('transmission-show', ['--scrape', torrent], { encoding: 'utf8', timeout: 30_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
  return r.stdout + r.stderr;
}

/**
 * aria2 speaks UDP trackers only through its DHT socket, so a UDP run enables DHT with no
 * entry point and a private routing-table file (it finds no nodes on loopback).
 */
async function aria2Args(dirPath: string, port: number, udp: boolean): Promise<string[]> {
  const dht = udp ? ['--enable-dht=true', `--dht-listen-port=${await freePort()}`, `--dht-file-path=${join(dirPath, 'dht.dat')}`] : ['--enable-dht=false'];
  return [
    `--dir=${dirPath}`,
    `--listen-port=${port}`,
    ...dht,
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--file-allocation=none',
    '--summary-interval=0',
    '--console-log-level=notice',
    '--bt-stop-timeout=60',
    '--auto-file-renaming=false',
    '--allow-overwrite=true',
  ];
}

/**
 * The shared libtorrent driver (test/interop/peers/lt_peer.py) announcing to the torrent's
 * tracker; its stdin stays open (it exits when stdin closes). A leecher exits 0 once
 * finished, after re-announcing; a seeder skips its hash check and runs until killed.
 */
async function ltPeer(mode: 'seed' | 'leech', torrent: string, saveDir: string): Promise<Proc> {
  const args = [LT_SCRIPT, '--mode', mode, '--torrent', torrent, '--save', saveDir, '--port', String(await freePort()), '--trackers', '--interval', '0.1'];
  args.push(...(mode === 'seed' ? ['--seed-mode'] : ['--exit-on-finish']));
  const p = start(PY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(p);
  await p.waitFor(/"event": "listening"/);
  return p;
}

async function aria2Seed(torrent: string, seedDir: string, udp: boolean): Promise<Proc> {
  const p = start('aria2c', [...(await aria2Args(seedDir, await freePort(), udp)), '--seed-ratio=0.0', '--bt-seed-unverified=true', '--check-integrity=false', torrent]);
  procs.push(p);
  return p;
}

for (const transport of ['http', 'udp'] as const) {
  describe(`over ${transport}`, () => {
    const url = () => (transport === 'http' ? `http://127.0.0.1:${tracker.httpPort}/announce` : `udp://127.0.0.1:${tracker.udpPort}/announce`);

    test(`libtorrent seeds, aria2 leeches (${transport})`, { skip: !haveLt ? 'python3-libtorrent not installed' : !haveAria2 ? 'aria2c not installed' : false, timeout: 90_000 }, async () => {
      const s = await setup(`lt2aria-${transport}.bin`, url());
      const seeder = await ltPeer('seed', s.torrent, s.seedDir);
      const leech = start('aria2c', [...(await aria2Args(s.leechDir, await freePort(), transport === 'udp')), '--seed-time=0', s.torrent]);
      procs.push(leech);
      assert.equal(await leech.exit(80_000), 0, leech.output().slice(-1500));
      assert.ok((await readFile(join(s.leechDir, `lt2aria-${transport}.bin`))).equals(data));
      // aria2 (seed-time 0) sends "stopped" at the end; the libtorrent seeder stays.
      const [c] = await tracker.store.scrape([s.infoHash], Date.now());
      assert.deepEqual([c!.complete, c!.incomplete], [1, 0]);
      if (transport === 'http' && haveShow) assert.match(await showScrape(s.torrent), /1 seeders, 0 leechers/);
      await seeder.kill();
    });

    test(`aria2 seeds, libtorrent leeches (${transport})`, { skip: !haveLt ? 'python3-libtorrent not installed' : !haveAria2 ? 'aria2c not installed' : false, timeout: 90_000 }, async () => {
      const s = await setup(`aria2lt-${transport}.bin`, url());
      const seeder = await aria2Seed(s.torrent, s.seedDir, transport === 'udp');
      const leech = await ltPeer('leech', s.torrent, s.leechDir);
      await leech.waitFor(/"event": "finished"/, 80_000);
      assert.equal(await leech.exit(), 0, leech.output().slice(-1500));
      assert.ok((await readFile(join(s.leechDir, `aria2lt-${transport}.bin`))).equals(data));
      // libtorrent announced "completed" before it left.
      const [c] = await tracker.store.scrape([s.infoHash], Date.now());
      assert.equal(c!.downloaded, 1);
      assert.ok(c!.complete >= 1, 'aria2 seeder counted');
      await seeder.kill();
    });
  });
}

test('transmission-show --scrape reads correct counts (HTTP scrape)', { skip: haveShow ? false : 'transmission-show not installed (transmission-cli)' }, async () => {
  const { torrent, infoHash } = makeTorrent('scrape-me.bin', randomBytes(1000), 16384, `http://127.0.0.1:${tracker.httpPort}/announce`);
  const file = join(dir, 'scrape-me.torrent');
  await writeFile(file, torrent);
  const store = tracker.store;
  const now = Date.now();
  const peer = (i: number, seeder: boolean, event: 'started' | 'completed') =>
    store.announce({ infoHash, addr: Buffer.from([10, 0, 0, i, 0x1a, 0xe1]), peerId: Buffer.alloc(20, i), seeder, event, want4: 0, want6: 0, wantPeerIds: false }, now);
  await peer(1, true, 'completed');
  await peer(2, true, 'completed');
  await peer(3, false, 'started');
  await peer(4, false, 'started');
  await peer(5, false, 'started');
  assert.match(await showScrape(file), /2 seeders, 3 leechers/);
});
