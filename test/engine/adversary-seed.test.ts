// A seeding shoal (`shoal seed`) against scripted hostile leechers: bad requests, malformed
// and oversized messages, garbage, silence and a request flood. Every hostile connection is
// closed (or its requests rejected), memory stays bounded, and an honest peer is still served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHandshake } from '../../src/wire/handshake.js';
import { encodeRequest } from '../../src/wire/encode.js';
import type { DecodedMessage } from '../../src/wire/messages.js';
import { INTERESTED, badRequests, garbage, hostilePayloads, memoryOf, pieceLen, type Swarm } from './adversary/behaviours.js';
import { adversaryFixture, closedWithin } from './adversary/fixture.js';
import { dial, scriptedPeerId, type ScriptedConn } from './adversary/scripted-peer.js';
import { startSeeder, subjectMissing, subjectName, type Subject } from './adversary/subject.js';
import { within } from '../helpers/timeout.js';

/** Dials the seeder, handshakes, waits for its handshake, says interested, waits for unchoke. */
async function unchokedLeecher(port: number, swarm: Swarm): Promise<ScriptedConn> {
  const c = await dial(port);
  // Fast extension on: a reject-request is then a legal answer to a bad request (BEP 6).
  c.handshake(swarm.infoHash, scriptedPeerId('LC'), { fast: true });
  await within(c.nextType('handshake'), 10_000, 'the seeder answers the handshake');
  c.write(INTERESTED);
  await within(c.nextType('unchoke'), 15_000, 'the seeder unchokes an interested peer');
  return c;
}

/** An honest peer downloads piece 0 and gets the right bytes. */
async function honestFetch(port: number, swarm: Swarm): Promise<void> {
  const c = await unchokedLeecher(port, swarm);
  const len = pieceLen(swarm, 0);
  for (let b = 0; b < len; b += 1 << 14) c.write(encodeRequest(0, b, Math.min(1 << 14, len - b)));
  const got = Buffer.alloc(len);
  let have = 0;
  await within(
    new Promise<void>((res, rej) => {
      const check = (m: DecodedMessage) => {
        if (m.type !== 'piece' || m.index !== 0) return;
        got.set(m.block, m.begin);
        have += m.block.length;
        if (have >= len) res();
      };
      for (const m of c.received) check(m);
      c.onMessage = check;
      void c.closed.then(() => rej(new Error('the seeder closed an honest connection')));
    }),
    15_000,
    'an honest peer is served piece 0',
  );
  assert.ok(got.equals(swarm.content.subarray(0, len)), 'piece 0 served intact');
  c.destroy();
}

test(`${subjectName} seed hangs up on hostile leechers and still serves honest ones`, async (t) => {
  const why = subjectMissing('seed');
  if (why) return t.skip(why);
  const a = await adversaryFixture();
  let subject: Subject | undefined;
  const conns: ScriptedConn[] = [];
  try {
    subject = await startSeeder(a.fx);
    const port = subject.port;
    const s = a.swarm;
    const checks: Promise<string | undefined>[] = [];
    // Out-of-range and malformed requests, sent once unchoked: closed, or rejected and never served.
    for (const [name, req] of Object.entries(badRequests(s))) {
      checks.push(
        (async () => {
          const c = await unchokedLeecher(port, s);
          conns.push(c);
          c.write(req);
          try {
            await closedWithin(c, 10_000, name);
          } catch {
            const served = c.received.some((m) => m.type === 'piece');
            const rejected = c.received.some((m) => m.type === 'reject');
            if (served) return `${name}: served a block`;
            if (!rejected) return `${name}: neither closed nor rejected within 10 s`;
          }
          return c.received.some((m) => m.type === 'piece') ? `${name}: served a block` : undefined;
        })(),
      );
    }
    // Raw protocol breakage after a correct handshake: closed.
    const raw: Record<string, Buffer | undefined> = { ...hostilePayloads(s) };
    for (const [name, payload] of Object.entries(raw)) {
      checks.push(
        (async () => {
          const c = await dial(port);
          conns.push(c);
          c.handshake(s.infoHash, scriptedPeerId('HP'));
          if (payload) c.write(payload);
          try {
            await closedWithin(c, 10_000, name);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      );
    }
    // Before any handshake: garbage and an unknown info-hash.
    const pre: Record<string, Buffer> = {
      'garbage instead of a handshake': garbage(300),
      'handshake for an unknown info-hash': encodeHandshake({ infoHash: Buffer.alloc(20, 0xcd), peerId: scriptedPeerId('HP') }),
    };
    for (const [name, bytes] of Object.entries(pre)) {
      checks.push(
        (async () => {
          const c = await dial(port);
          conns.push(c);
          c.write(bytes);
          try {
            await closedWithin(c, 10_000, name);
            return c.received.some((m) => m.type === 'handshake') && name.includes('unknown') ? `${name}: answered with a handshake` : undefined;
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      );
    }
    // Connected and silent: the handshake timeout must close it.
    checks.push(
      (async () => {
        const c = await dial(port);
        conns.push(c);
        try {
          await closedWithin(c, 40_000, 'a peer that never sends its handshake');
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      })(),
    );
    const failures = (await Promise.all(checks)).filter((f): f is string => f !== undefined);
    assert.deepEqual(failures, [], `hostile leechers not handled (${subject.describe()})`);
    assert.ok(subject.alive(), 'the seeder survived every attack');
    await honestFetch(port, s);
    assert.equal(await subject.stop(), 0, 'SIGINT exits 0');
  } finally {
    for (const c of conns) c.destroy();
    await subject?.stop();
    await a.cleanup();
  }
});

test(`${subjectName} seed keeps memory bounded under a request flood from a peer that never reads`, async (t) => {
  const why = subjectMissing('seed');
  if (why) return t.skip(why);
  const a = await adversaryFixture();
  let subject: Subject | undefined;
  let c: ScriptedConn | undefined;
  try {
    subject = await startSeeder(a.fx);
    const s = a.swarm;
    c = await unchokedLeecher(subject.port, s);
    const before = memoryOf(subject.pid);
    assert.ok(before, 'the seeder process is visible in /proc');
    // Stop reading, then ask for every block of the torrent over and over: 200,000 requests
    // (3.2 GB if all were served and buffered).
    c.socket.pause();
    const blocks: Buffer[] = [];
    for (let i = 0; i < s.pieceCount; i++) for (let b = 0; b < pieceLen(s, i); b += 1 << 14) blocks.push(encodeRequest(i, b, Math.min(1 << 14, pieceLen(s, i) - b)));
    const burst = Buffer.concat(Array.from({ length: Math.ceil(20_000 / blocks.length) }, () => blocks).flat());
    const deadline = Date.now() + 8_000;
    let sent = 0;
    let peak = before.rss;
    while (Date.now() < deadline && !c.isClosed && sent < 200_000) {
      c.write(burst);
      sent += burst.length / 17;
      await new Promise((r) => setTimeout(r, 50));
      peak = Math.max(peak, memoryOf(subject.pid)?.rss ?? 0);
    }
    // Watch a little longer: a queue that grows would show now.
    const watchUntil = Date.now() + 3_000;
    while (Date.now() < watchUntil && !c.isClosed) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, memoryOf(subject.pid)?.rss ?? 0);
    }
    const growth = (peak - before.rss) / 2 ** 20;
    t.diagnostic(`sent ${Math.round(sent)} requests; RSS ${Math.round(before.rss / 2 ** 20)} MiB -> peak ${Math.round(peak / 2 ** 20)} MiB; connection ${c.isClosed ? 'closed' : 'open'}`);
    assert.ok(growth < 200, `seeder RSS grew ${growth.toFixed(0)} MiB under the flood`);
    assert.ok(subject.alive(), 'the seeder survived the flood');
    // Read again: the seeder must have dropped us or rejected what it would not queue (BEP 6).
    const flooded = c;
    flooded.socket.resume();
    const outcome = await within(
      Promise.race([flooded.closed.then(() => 'closed'), flooded.nextType('reject').then(() => 'rejected')]),
      15_000,
      'the flooding connection is dropped or its excess requests rejected',
    );
    const served = flooded.received.filter((m) => m.type === 'piece').length;
    t.diagnostic(`flooding peer: ${outcome}; ${served} blocks served to it`);
    assert.ok(served < 50_000, `the seeder queued ${served} of the flood's requests`);
    c.destroy();
    await honestFetch(subject.port, s);
  } finally {
    c?.destroy();
    await subject?.stop();
    await a.cleanup();
  }
});
