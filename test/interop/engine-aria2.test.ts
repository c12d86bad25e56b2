// shoal <-> aria2 on loopback: shoal downloads a multi-file torrent from an aria2 seeder, and
// an aria2 leecher downloads it from `shoal seed`; both byte-identical. aria2 learns the shoal
// seeder from a mini tracker (aria2 has no "connect to peer" option). Skips visibly without
// aria2c or without a built `shoal download`/`shoal seed`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Aria2Peer, aria2Missing, freePort } from './peers/aria2.js';
import { tempDir } from '../helpers/cli.js';
import { MiniTracker } from '../helpers/mini-tracker.js';
import { ShoalProc, shoalCommandMissing } from '../helpers/shoal-proc.js';
import { differingFiles, makeFixture, oddMultiFiles } from '../helpers/torrent-fixture.js';
import { within } from '../helpers/timeout.js';
import { waitHandshake } from '../helpers/handshake-probe.js';

const PIECE = 1 << 18;

test('aria2 driver: an aria2 leecher finds an aria2 seeder through the mini tracker', async (t) => {
  const why = aria2Missing();
  if (why) return t.skip(why);
  const { dir, cleanup } = await tempDir('shoal-aria2-');
  const peers: Aria2Peer[] = [];
  const tracker = await MiniTracker.start();
  try {
    const fx = await makeFixture(dir, { name: 'multi', files: oddMultiFiles(0.5), pieceLength: PIECE });
    const seeder = await Aria2Peer.start({ torrent: fx.torrentPath, dir: fx.seedDir, mode: 'seed', verify: true });
    peers.push(seeder);
    tracker.peers = [{ ip: '127.0.0.1', port: seeder.port }];
    const out = join(dir, 'out');
    const leecher = await Aria2Peer.start({ torrent: fx.torrentPath, dir: out, mode: 'leech', trackers: [tracker.url] });
    peers.push(leecher);
    await within(leecher.finished(), 30_000, 'aria2 leecher completes');
    assert.equal(await within(leecher.exited, 10_000, 'aria2 leecher exits'), 0);
    assert.deepEqual(await differingFiles(fx, out), []);
    assert.ok(tracker.announces.length >= 1, 'the leecher announced to the mini tracker');
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    await tracker.close();
    await cleanup();
  }
});

test('shoal downloads a multi-file torrent from an aria2 seeder', async (t) => {
  const why = aria2Missing() ?? shoalCommandMissing('download');
  if (why) return t.skip(why);
  const { dir, cleanup } = await tempDir('shoal-aria2-');
  let seeder: Aria2Peer | undefined;
  let shoal: ShoalProc | undefined;
  try {
    const fx = await makeFixture(dir, { name: 'multi', files: oddMultiFiles(), pieceLength: PIECE });
    seeder = await Aria2Peer.start({ torrent: fx.torrentPath, dir: fx.seedDir, mode: 'seed', verify: true });
    const out = join(dir, 'out');
    shoal = ShoalProc.download(fx.torrentPath, { out, peers: [`127.0.0.1:${seeder.port}`] });
    const code = await within(shoal.finished(), 45_000, 'shoal download from aria2 exits');
    assert.equal(code, 0, `shoal download failed: ${shoal.stderr}`);
    assert.deepEqual(await differingFiles(fx, out), []);
  } finally {
    await shoal?.stop('SIGKILL');
    await seeder?.stop();
    await cleanup();
  }
});

test('an aria2 leecher downloads a multi-file torrent from shoal seed', async (t) => {
  const why = aria2Missing() ?? shoalCommandMissing('seed');
  if (why) return t.skip(why);
  const { dir, cleanup } = await tempDir('shoal-aria2-');
  const tracker = await MiniTracker.start();
  let shoal: ShoalProc | undefined;
  let leecher: Aria2Peer | undefined;
  try {
    const fx = await makeFixture(dir, { name: 'multi', files: oddMultiFiles(), pieceLength: PIECE });
    const port = await freePort();
    shoal = ShoalProc.seed(fx.torrentPath, fx.dataPath, { port });
    await within(shoal.listening(port), 30_000, 'shoal seed listens');
    await waitHandshake(port, fx.meta.infoHash.bytes, 30_000);
    tracker.peers = [{ ip: '127.0.0.1', port }];
    const out = join(dir, 'out');
    leecher = await Aria2Peer.start({ torrent: fx.torrentPath, dir: out, mode: 'leech', trackers: [tracker.url] });
    await within(leecher.finished(), 45_000, 'aria2 leecher completes from shoal');
    assert.equal(await within(leecher.exited, 10_000, 'aria2 leecher exits'), 0);
    assert.deepEqual(await differingFiles(fx, out), []);
    assert.equal(shoal.child.exitCode, null, `shoal seed must still be running: ${shoal.stderr}`);
  } finally {
    await leecher?.stop();
    await shoal?.stop();
    await tracker.close();
    await cleanup();
  }
});
