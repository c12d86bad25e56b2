// DhtDiscovery (the engine's PeerDiscovery over a DhtNode) and BEP 42 re-keying from `ip` votes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DhtDiscovery } from '../../src/engine/dht-discovery.js';
import { defaultDhtBootstrap } from '../../src/engine/dht-discovery.js';
import { DhtNode, DEFAULT_BOOTSTRAP } from '../../src/dht/node.js';
import { decodeMessage, encodeResponse } from '../../src/dht/krpc.js';
import { isSecureNodeId } from '../../src/dht/node-id.js';
import type { PeerAddress } from '../../src/engine/discovery.js';
import { within } from '../helpers/timeout.js';

const HOST = '127.0.0.1';

test('watch(): announces with a port, finds peers without one, stops when unwatched', async () => {
  const boot = new DhtNode({ host: HOST, queryRate: 1000 });
  await boot.listen();
  const others = Array.from({ length: 6 }, () => new DhtNode({ host: HOST, bootstrap: [`${HOST}:${boot.port}`], queryRate: 1000 }));
  await Promise.all(others.map((n) => n.listen()));
  await Promise.all(others.map((n) => n.ready));
  const opts = { host: HOST, bootstrap: [`${HOST}:${boot.port}`], queryRate: 1000, emptyIntervalMs: 300 };
  const seeder = new DhtDiscovery(opts);
  const leecher = new DhtDiscovery(opts);
  try {
    assert.ok((await seeder.listen()) > 0);
    const hash = randomBytes(20);
    const seen: PeerAddress[][] = [];
    // The leecher starts first: it finds nothing, retries on the short interval, then sees the seeder.
    let calls = 0;
    const found = new Promise<readonly PeerAddress[]>((resolve) => {
      const stop = leecher.watch(hash, { port: 0, seed: false }, (peers) => {
        calls++;
        seen.push([...peers]);
        stop();
        resolve(peers);
      });
    });
    const unwatchSeeder = seeder.watch(hash, { port: 40001, seed: true }, () => {});
    const peers = await within(found, 15_000, 'leecher found the seeder');
    assert.deepEqual(peers, [{ host: HOST, port: 40001 }]);
    unwatchSeeder();
    assert.equal(calls, 1, 'no callbacks after unwatch');
    assert.equal(seeder.name, 'dht');
  } finally {
    await Promise.all([seeder.close(), leecher.close(), boot.close(), ...others.map((n) => n.close())]);
  }
});

test('default bootstrap: SHOAL_DHT_BOOTSTRAP wins, none under the test runner, routers otherwise', () => {
  assert.deepEqual(defaultDhtBootstrap({ SHOAL_DHT_BOOTSTRAP: '' }), []);
  assert.deepEqual(defaultDhtBootstrap({ SHOAL_DHT_BOOTSTRAP: '1.2.3.4:5, [::1]:6' }), ['1.2.3.4:5', '[::1]:6']);
  assert.deepEqual(defaultDhtBootstrap({ NODE_TEST_CONTEXT: 'child-v8' }), []);
  assert.deepEqual(defaultDhtBootstrap({}), [...DEFAULT_BOOTSTRAP]);
  assert.ok(process.env['NODE_TEST_CONTEXT'] === undefined || defaultDhtBootstrap(process.env).length === 0);
});

test('BEP 42: five distinct nodes reporting a public IP re-key the node to a secure id', async (t) => {
  // Fake nodes on 127.0.0.2-6 (Linux routes all of 127/8 to loopback) that claim we are 203.0.113.7.
  const socks: Socket[] = [];
  for (let i = 2; i <= 6; i++) {
    const s = createSocket('udp4');
    try {
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.bind(0, `127.0.0.${i}`, () => res());
      });
    } catch {
      s.close();
      for (const x of socks) x.close();
      t.skip('cannot bind 127.0.0.2-6 here');
      return;
    }
    const id = randomBytes(20);
    s.on('message', (msg, r) => {
      const q = decodeMessage(msg);
      if (q instanceof Error || q.kind !== 'query') return;
      s.send(encodeResponse({ kind: 'response', t: q.t, id, ip: { host: '203.0.113.7', port: r.port } }), r.port, r.address);
    });
    socks.push(s);
  }
  const node = new DhtNode({ bootstrap: socks.map((s) => `${s.address().address}:${s.address().port}`), timeoutMs: 1000 });
  try {
    await node.listen();
    assert.equal(isSecureNodeId(node.id, '203.0.113.7'), false);
    await node.ready;
    assert.ok(isSecureNodeId(node.id, '203.0.113.7'), 'the id now matches the reported IP');
    assert.ok(node.table.size >= 1, 'the table survived the re-key');
  } finally {
    await node.close();
    for (const s of socks) s.close();
  }
});
