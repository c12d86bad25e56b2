// shoal <-> Transmission 3.00 (transmission-cli) on loopback: shoal downloads a multi-file
// torrent from a Transmission seeder, and a Transmission leecher downloads it from `shoal seed`;
// both byte-identical. Transmission ignores 127.x peers it hears of from trackers, so shoal
// dials it in both directions (--peer). Each transfer waits for Transmission's 10 s rechoke.
// Skips visibly without transmission-cli or without a built `shoal download`/`shoal seed`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TransmissionPeer, transmissionMissing } from './peers/transmission.js';
import { freePort } from './peers/aria2.js';
import { tempDir } from '../helpers/cli.js';
import { ShoalProc, shoalCommandMissing } from '../helpers/shoal-proc.js';
import { differingFiles, makeFixture, oddMultiFiles } from '../helpers/torrent-fixture.js';
import { within } from '../helpers/timeout.js';

const PIECE = 1 << 18;

test('shoal downloads a multi-file torrent from a Transmission seeder', async (t) => {
  const why = transmissionMissing() ?? shoalCommandMissing('download');
  if (why) return t.skip(why);
  const { dir, cleanup } = await tempDir('shoal-tr-');
  let seeder: TransmissionPeer | undefined;
  let shoal: ShoalProc | undefined;
  try {
    const fx = await makeFixture(dir, { name: 'multi', files: oddMultiFiles(0.5), pieceLength: PIECE });
    seeder = await TransmissionPeer.start({ torrent: fx.torrentPath, dir: fx.seedDir, configDir: join(dir, 'tr-config') });
    await within(seeder.seeding(), 30_000, 'Transmission checked the data and seeds');
    const out = join(dir, 'out');
    shoal = ShoalProc.download(fx.torrentPath, { out, peers: [`127.0.0.1:${seeder.port}`], extraArgs: ['--no-dht', '--no-lsd'] });
    const code = await within(shoal.finished(), 45_000, 'shoal download from Transmission exits');
    assert.equal(code, 0, `shoal download failed: ${shoal.stderr}`);
    assert.deepEqual(await differingFiles(fx, out), []);
  } finally {
    await shoal?.stop('SIGKILL');
    await seeder?.stop();
    await cleanup();
  }
});

test('a Transmission leecher downloads a multi-file torrent from shoal seed (shoal dials it)', async (t) => {
  const why = transmissionMissing() ?? shoalCommandMissing('seed');
  if (why) return t.skip(why);
  const { dir, cleanup } = await tempDir('shoal-tr-');
  let shoal: ShoalProc | undefined;
  let leecher: TransmissionPeer | undefined;
  try {
    const fx = await makeFixture(dir, { name: 'multi', files: oddMultiFiles(0.5), pieceLength: PIECE });
    const out = join(dir, 'out');
    leecher = await TransmissionPeer.start({ torrent: fx.torrentPath, dir: out, configDir: join(dir, 'tr-config') });
    const port = await freePort();
    shoal = ShoalProc.spawn(['seed', fx.torrentPath, fx.dataPath, '--port', String(port), '--peer', `127.0.0.1:${leecher.port}`, '--no-dht', '--no-lsd', '--json']);
    await within(leecher.seeding(), 45_000, 'Transmission leecher completes from shoal');
    assert.deepEqual(await differingFiles(fx, out), []);
    assert.equal(shoal.child.exitCode, null, `shoal seed must still be running: ${shoal.stderr}`);
  } finally {
    await leecher?.stop();
    await shoal?.stop();
    await cleanup();
  }
});
