// A downloading shoal (`shoal download --seed --peer …`) against scripted hostile peers
// (test/engine/adversary/): it must drop every one of them, finish from the honest seeder
// with byte-identical files, and keep running. The honest seeder holds its unchoke until the
// hostile connections are closed, so the attacks are sure to have been seen first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeHandshake } from '../../src/wire/handshake.js';
import { garbage, hostilePayloads, runHostile, runSeeder, wrongBitfield } from './adversary/behaviours.js';
import { adversaryFixture, closedWithin, firstClosed } from './adversary/fixture.js';
import { ScriptedServer, scriptedPeerId, type ScriptedConn } from './adversary/scripted-peer.js';
import { startDownloader, subjectMissing, subjectName, type Subject } from './adversary/subject.js';
import { differingFiles } from '../helpers/torrent-fixture.js';
import { within } from '../helpers/timeout.js';

test(`${subjectName} drops a peer that sends corrupt blocks and completes from a good seeder`, async (t) => {
  const why = subjectMissing('download');
  if (why) return t.skip(why);
  const a = await adversaryFixture();
  const servers: ScriptedServer[] = [];
  let subject: Subject | undefined;
  try {
    const badStats: ReturnType<typeof runSeeder>[] = [];
    const bad = await ScriptedServer.listen((c) => badStats.push(runSeeder(c, { swarm: a.swarm, peerId: scriptedPeerId('BD'), corrupt: () => true })));
    servers.push(bad);
    // The good seeder unchokes only once the corrupt peer's first connection is gone.
    const good = await ScriptedServer.listen((c) => runSeeder(c, { swarm: a.swarm, peerId: scriptedPeerId('GD'), holdUnchoke: firstClosed(bad) }));
    servers.push(good);
    const out = join(a.dir, 'out');
    subject = await startDownloader(a.fx, out, [bad.address, good.address]);
    await within(subject.complete(), 45_000, `download completes despite a corrupt peer (${subject.describe()})`);
    assert.deepEqual(await differingFiles(a.fx, out), []);
    const served = badStats.reduce((n, s) => n + s.blocksServed, 0);
    assert.ok(served > 0, 'the corrupt peer was asked for blocks (the scenario ran)');
    for (const c of bad.connections) await closedWithin(c, 10_000, 'corrupt peer');
    assert.ok(bad.connections.length <= 3, `the corrupt peer is banned, not redialed endlessly (${bad.connections.length} connections)`);
    assert.ok(subject.alive(), 'the downloader is still running (seeding)');
    assert.equal(await subject.stop(), 0);
  } finally {
    await subject?.stop();
    await Promise.all(servers.map((s) => s.close()));
    await a.cleanup();
  }
});

test(`${subjectName} hangs up on peers that break the protocol and carries on`, async (t) => {
  const why = subjectMissing('download');
  if (why) return t.skip(why);
  const a = await adversaryFixture();
  const hostile = new Map<string, ScriptedServer>();
  const servers: ScriptedServer[] = [];
  let subject: Subject | undefined;
  try {
    const scripts: Record<string, (c: ScriptedConn) => void> = {};
    for (const [name, payload] of Object.entries(hostilePayloads(a.swarm))) {
      scripts[name] = (c) => runHostile(c, a.swarm, scriptedPeerId('HP'), payload);
    }
    scripts['bitfield of the wrong length'] = (c) => runHostile(c, a.swarm, scriptedPeerId('HP'), wrongBitfield(a.swarm), { bitfield: false });
    scripts['garbage instead of a handshake'] = (c) => c.write(garbage(300));
    scripts['handshake for another info-hash'] = (c) => c.write(encodeHandshake({ infoHash: Buffer.alloc(20, 0xab), peerId: scriptedPeerId('HP') }));
    for (const [name, script] of Object.entries(scripts)) {
      const s = await ScriptedServer.listen(script);
      hostile.set(name, s);
      servers.push(s);
    }
    // A peer that accepts the TCP connection and never says a word: must time out.
    const silent = await ScriptedServer.listen(() => {});
    servers.push(silent);
    // The honest seeder unchokes once every hostile connection is closed, or after 15 s (so
    // one tolerated attack does not hide the others: they are all listed below).
    let gateTimer: NodeJS.Timeout | undefined;
    const gate = Promise.race([
      Promise.all([...hostile.values()].map((s) => firstClosed(s))),
      new Promise((r) => (gateTimer = setTimeout(r, 15_000))),
    ]).finally(() => clearTimeout(gateTimer));
    const good = await ScriptedServer.listen((c) => runSeeder(c, { swarm: a.swarm, peerId: scriptedPeerId('GD'), holdUnchoke: gate }));
    servers.push(good);

    const out = join(a.dir, 'out');
    subject = await startDownloader(a.fx, out, [...[...hostile.values()].map((s) => s.address), silent.address, good.address]);
    await within(subject.complete(), 40_000, `download completes (${subject.describe()})`);
    assert.deepEqual(await differingFiles(a.fx, out), []);
    const failures: string[] = [];
    for (const [name, s] of hostile) {
      if (s.connections.length === 0) failures.push(`${name}: never dialed`);
      else if (!s.connections.every((c) => c.isClosed)) failures.push(`${name}: connection left open`);
    }
    const quiet = await within(silent.firstConnection(), 5_000, 'the silent peer was dialed');
    try {
      await closedWithin(quiet, 30_000, 'a peer that never answers the handshake');
    } catch (e) {
      failures.push((e as Error).message);
    }
    assert.deepEqual(failures, [], `hostile peers not handled (${subject.describe()})`);
    assert.ok(subject.alive(), 'the downloader survived every attack');
    assert.equal(await subject.stop(), 0, 'SIGINT while seeding exits 0');
  } finally {
    await subject?.stop();
    await Promise.all(servers.map((s) => s.close()));
    await a.cleanup();
  }
});
