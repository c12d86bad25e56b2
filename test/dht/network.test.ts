// A local DHT of 50 nodes on 127.0.0.1: bootstrap, announce, get_peers, persistence, hostile packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DhtNode } from '../../src/dht/node.js';
import { decodeMessage, encodeQuery } from '../../src/dht/krpc.js';
import type { Message } from '../../src/dht/krpc.js';
import { tempDir } from '../helpers/cli.js';
import { within } from '../helpers/timeout.js';

const HOST = '127.0.0.1';

async function startNodes(n: number, bootstrap: string[], extra: Partial<ConstructorParameters<typeof DhtNode>[0]> = {}): Promise<DhtNode[]> {
  const nodes = Array.from({ length: n }, () => new DhtNode({ host: HOST, bootstrap, timeoutMs: 1500, queryRate: 1000, ...extra }));
  await Promise.all(nodes.map((d) => d.listen()));
  return nodes;
}

/** Sends one datagram to a node and waits for the answer (or undefined after `ms`). */
function exchange(port: number, buf: Uint8Array, ms = 1000): Promise<Message | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => done(undefined), ms);
    const done = (m: Message | undefined): void => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    };
    s.on('message', (msg) => {
      const m = decodeMessage(msg);
      done(m instanceof Error ? undefined : m);
    });
    s.send(buf, port, HOST);
  });
}

test('50 nodes: one announces, another finds it through get_peers', async () => {
  const [boot] = await startNodes(1, []);
  const rest = await startNodes(49, [`${HOST}:${boot!.port}`]);
  const all = [boot!, ...rest];
  try {
    await within(Promise.all(rest.map((d) => d.ready)), 20_000, 'bootstrap');
    // A second round lets early nodes learn about late ones (as the periodic refresh would).
    await within(Promise.all(rest.map((d) => d.bootstrap())), 20_000, 'second bootstrap');
    const sizes = all.map((d) => d.table.size);
    assert.ok(Math.min(...sizes) >= 8, `every table holds nodes: ${sizes.join(',')}`);
    const hash = randomBytes(20);
    const announcer = rest[10]!;
    const seeker = rest[40]!;
    const a = await within(announcer.announce(hash, 51413), 20_000, 'announce');
    assert.ok(a.announced >= 4, `announced to ${a.announced} nodes`);
    const stored = all.filter((d) => d.storedPeers > 0).length;
    assert.ok(stored >= 4, `${stored} nodes store the peer`);
    const streamed: string[] = [];
    const peers = await within(seeker.lookup(hash, (p) => streamed.push(...p.map((x) => `${x.host}:${x.port}`))), 20_000, 'lookup');
    assert.deepEqual(peers, [{ host: HOST, port: 51413 }]);
    assert.deepEqual(streamed, [`${HOST}:51413`]);
    // implied_port: the announcer's UDP port is stored instead.
    const hash2 = randomBytes(20);
    await rest[20]!.announce(hash2, 0);
    assert.deepEqual(await rest[30]!.lookup(hash2), [{ host: HOST, port: rest[20]!.port }]);
    // An unknown hash finds nothing but terminates.
    assert.deepEqual(await within(seeker.lookup(randomBytes(20)), 20_000, 'empty lookup'), []);
  } finally {
    await Promise.all(all.map((d) => d.close()));
  }
});

test('a node answers ping/find_node, refuses bad tokens, survives garbage and rate-limits floods', async () => {
  const [a] = await startNodes(1, [], { queryRate: 20 });
  const node = a!;
  try {
    const id = randomBytes(20);
    const t = Uint8Array.from([1, 2]);
    const pong = await exchange(node.port, encodeQuery({ kind: 'query', t, id, method: 'ping' }));
    assert.ok(pong && pong.kind === 'response');
    assert.deepEqual(Buffer.from(pong.id), Buffer.from(node.id));
    assert.equal(pong.ip?.host, HOST, 'BEP 42: the reply tells us our address');
    const badToken = await exchange(node.port, encodeQuery({ kind: 'query', t, id, method: 'announce_peer', infoHash: randomBytes(20), port: 1, token: Buffer.alloc(8), impliedPort: false }));
    assert.ok(badToken && badToken.kind === 'error' && badToken.code === 203);
    const unknown = await exchange(node.port, encodeQuery({ kind: 'query', t, id, method: 'unknown', name: 'frobnicate' }));
    assert.ok(unknown && unknown.kind === 'error' && unknown.code === 204);
    const malformed = await exchange(node.port, Buffer.from('d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:zz1:y1:qe'));
    assert.ok(malformed && malformed.kind === 'error' && malformed.code === 203);
    // Garbage gets no answer and does not hurt the node.
    for (const junk of [Buffer.alloc(0), randomBytes(100), Buffer.from('d1:t'), Buffer.alloc(9000, 0x64)]) assert.equal(await exchange(node.port, junk, 200), undefined);
    const again = await exchange(node.port, encodeQuery({ kind: 'query', t, id, method: 'ping' }));
    assert.ok(again && again.kind === 'response');
    // Flood: beyond the burst (2 x 20) queries are dropped.
    const s = createSocket('udp4');
    let answers = 0;
    s.on('message', () => answers++);
    const q = encodeQuery({ kind: 'query', t, id, method: 'ping' });
    await new Promise<void>((res) => s.bind(0, HOST, () => res()));
    for (let i = 0; i < 200; i++) s.send(q, node.port, HOST);
    await within(
      new Promise<void>((res) => {
        const check = setInterval(() => {
          if (node.stats.limited + answers >= 200 || node.stats.limited > 100) {
            clearInterval(check);
            res();
          }
        }, 20);
      }),
      5000,
      'flood handled',
    );
    s.close();
    assert.ok(node.stats.limited >= 100, `limited ${node.stats.limited}`);
    assert.ok(answers <= 60, `answered ${answers}`);
  } finally {
    await node.close();
  }
});

test('the routing table is saved on close and used to bootstrap the next start', async () => {
  const tmp = await tempDir('shoal-dht-');
  const statePath = join(tmp.dir, '.shoal', 'dht.dat');
  const [boot] = await startNodes(1, []);
  const others = await startNodes(12, [`${HOST}:${boot!.port}`]);
  let first: DhtNode | undefined;
  let second: DhtNode | undefined;
  try {
    await Promise.all(others.map((d) => d.ready));
    first = new DhtNode({ host: HOST, bootstrap: [`${HOST}:${boot!.port}`], statePath, timeoutMs: 1500 });
    await first.listen();
    await first.ready;
    const known = first.table.size;
    assert.ok(known >= 8, `learned ${known} nodes`);
    const id = Buffer.from(first.id);
    await first.close();
    assert.ok(existsSync(statePath));
    // No bootstrap list this time: the saved nodes are enough, and the id is kept.
    second = new DhtNode({ host: HOST, statePath, timeoutMs: 1500 });
    await second.listen();
    await second.ready;
    assert.deepEqual(Buffer.from(second.id), id);
    assert.ok(second.table.size >= 8, `rebuilt ${second.table.size} nodes from the saved state`);
  } finally {
    await second?.close();
    await Promise.all([boot!, ...others].map((d) => d.close()));
    await tmp.cleanup();
  }
});

test('IPv6 (BEP 32): nodes on ::1 exchange nodes6 and 18-byte peers', async (t) => {
  const probe = new DhtNode({ host: '::1' });
  try {
    await probe.listen();
  } catch {
    t.skip('IPv6 loopback unavailable');
    return;
  }
  const nodes = [probe, ...Array.from({ length: 9 }, () => new DhtNode({ host: '::1', bootstrap: [`[::1]:${probe.port}`], queryRate: 1000, timeoutMs: 1500 }))];
  try {
    await Promise.all(nodes.slice(1).map((n) => n.listen()));
    await within(Promise.all(nodes.slice(1).map((n) => n.ready)), 15_000, 'v6 bootstrap');
    assert.ok(nodes[5]!.table.size >= 5, `v6 table holds ${nodes[5]!.table.size}`);
    assert.ok(nodes[5]!.table.nodes().every((n) => n.host === '::1'));
    const hash = randomBytes(20);
    const a = await nodes[3]!.announce(hash, 6881);
    assert.ok(a.announced >= 3);
    assert.deepEqual(await within(nodes[8]!.lookup(hash), 15_000, 'v6 lookup'), [{ host: '::1', port: 6881 }]);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});
