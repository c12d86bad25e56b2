// KRPC codec: the example messages of BEP 5, round trips, BEP 32 fields, and hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeError, encodeQuery, encodeResponse, MAX_PACKET } from '../../src/dht/krpc.js';
import type { Message, Query, Response } from '../../src/dht/krpc.js';
import { DhtError } from '../../src/dht/errors.js';
import { decodeNodes, decodePeer, encodeNodes, encodePeer, ipBytes, ipText } from '../../src/dht/compact.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const txt = (u: Uint8Array | undefined): string => Buffer.from(u ?? []).toString('latin1');

function ok(buf: Uint8Array): Message {
  const m = decodeMessage(buf);
  if (m instanceof DhtError) assert.fail(`decode failed: ${m.message}`);
  return m;
}

/** Re-encodes a decoded message with the matching encoder. */
function reencode(m: Message): Buffer {
  return m.kind === 'query' ? encodeQuery(m) : m.kind === 'response' ? encodeResponse(m) : encodeError(m);
}

// BEP 5 "KRPC Protocol" examples, byte for byte.
const EXAMPLES = {
  pingQ: 'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe',
  pingR: 'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re',
  error: 'd1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee',
  findQ: 'd1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe',
  findR: 'd1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re',
  getQ: 'd1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe',
  getRvalues: 'd1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re',
  getRnodes: 'd1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re',
  announceQ: 'd1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe',
  announceR: 'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re',
};

test('BEP 5 examples decode to the documented fields', () => {
  const ping = ok(b(EXAMPLES.pingQ));
  assert.equal(ping.kind, 'query');
  assert.ok(ping.kind === 'query' && ping.method === 'ping');
  assert.equal(txt(ping.t), 'aa');
  assert.equal(txt((ping as Query).id), 'abcdefghij0123456789');

  const pr = ok(b(EXAMPLES.pingR)) as Response;
  assert.equal(pr.kind, 'response');
  assert.equal(txt(pr.id), 'mnopqrstuvwxyz123456');

  const e = ok(b(EXAMPLES.error));
  assert.ok(e.kind === 'error');
  assert.equal(e.code, 201);
  assert.equal(e.message, 'A Generic Error Ocurred');

  const fq = ok(b(EXAMPLES.findQ));
  assert.ok(fq.kind === 'query' && fq.method === 'find_node');
  assert.equal(txt(fq.target), 'mnopqrstuvwxyz123456');

  // "def456..." is a placeholder, not 26-byte entries: no nodes come out of it, the rest decodes.
  const fr = ok(b(EXAMPLES.findR)) as Response;
  assert.equal(txt(fr.id), '0123456789abcdefghij');
  assert.deepEqual(fr.nodes, []);

  const gq = ok(b(EXAMPLES.getQ));
  assert.ok(gq.kind === 'query' && gq.method === 'get_peers');
  assert.equal(txt(gq.infoHash), 'mnopqrstuvwxyz123456');

  const gv = ok(b(EXAMPLES.getRvalues)) as Response;
  assert.equal(txt(gv.token), 'aoeusnth');
  // "axje.u" = 97.120.106.101:(0x2e<<8|0x75)
  assert.deepEqual(gv.values, [
    { host: '97.120.106.101', port: 0x2e75 },
    { host: '105.100.104.116', port: 0x6e6d },
  ]);

  const gn = ok(b(EXAMPLES.getRnodes)) as Response;
  assert.equal(txt(gn.token), 'aoeusnth');
  assert.deepEqual(gn.nodes, []);
  assert.equal(gn.values, undefined);

  const aq = ok(b(EXAMPLES.announceQ));
  assert.ok(aq.kind === 'query' && aq.method === 'announce_peer');
  assert.equal(aq.port, 6881);
  assert.equal(aq.impliedPort, true);
  assert.equal(txt(aq.token), 'aoeusnth');
  assert.equal(txt(aq.infoHash), 'mnopqrstuvwxyz123456');
});

test('BEP 5 examples re-encode byte for byte (all but the placeholder node lists)', () => {
  for (const [name, s] of Object.entries(EXAMPLES)) {
    if (name === 'findR' || name === 'getRnodes') continue;
    assert.equal(reencode(ok(b(s))).toString('latin1'), s, name);
  }
});

test('compact node and peer info: 26/38-byte nodes, 6/18-byte peers', () => {
  const id = Buffer.alloc(20, 7);
  const nodes = [
    { id, host: '1.2.3.4', port: 6881 },
    { id, host: '2001:db8::1', port: 443 },
  ];
  const v4 = encodeNodes(nodes, 4);
  const v6 = encodeNodes(nodes, 6);
  assert.equal(v4.length, 26);
  assert.equal(v6.length, 38);
  assert.deepEqual(decodeNodes(v4, 4).map((n) => [n.host, n.port]), [['1.2.3.4', 6881]]);
  assert.deepEqual(decodeNodes(v6, 6).map((n) => [n.host, n.port]), [['2001:db8::1', 443]]);
  assert.equal(encodePeer({ host: '10.0.0.1', port: 1 })!.length, 6);
  assert.equal(encodePeer({ host: '::1', port: 1 })!.length, 18);
  assert.deepEqual(decodePeer(Uint8Array.from([10, 0, 0, 1, 0x1a, 0xe1])), { host: '10.0.0.1', port: 6881 });
  assert.equal(decodePeer(Uint8Array.from([10, 0, 0, 1, 0, 0])), undefined, 'port 0 dropped');
  assert.equal(decodePeer(new Uint8Array(7)), undefined);
  for (const ip of ['::', '::1', 'fe80::1:2', '2001:db8:0:0:1::', '1:2:3:4:5:6:7:8', '::ffff:0:1']) assert.equal(ipText(ipBytes(ip)!), ip);
  assert.equal(ipText(ipBytes('::ffff:1.2.3.4')!), '1.2.3.4', 'IPv4-mapped addresses are IPv4');
});

const id20 = fc.uint8Array({ minLength: 20, maxLength: 20 });
const tid = fc.uint8Array({ minLength: 1, maxLength: 4 });
const v4host = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((a) => a.join('.'));
const v6host = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => ipText(u));
const port = fc.integer({ min: 1, max: 65535 });
const node4 = fc.record({ id: id20, host: v4host, port });
const node6 = fc.record({ id: id20, host: v6host, port });
const want = fc.option(fc.record({ n4: fc.boolean(), n6: fc.boolean() }), { nil: undefined });

const query: fc.Arbitrary<Query> = fc.oneof(
  fc.record({ kind: fc.constant('query' as const), t: tid, id: id20, method: fc.constant('ping' as const) }),
  fc.record({ kind: fc.constant('query' as const), t: tid, id: id20, method: fc.constant('find_node' as const), target: id20, want }),
  fc.record({ kind: fc.constant('query' as const), t: tid, id: id20, method: fc.constant('get_peers' as const), infoHash: id20, want }),
  fc.record({ kind: fc.constant('query' as const), t: tid, id: id20, method: fc.constant('announce_peer' as const), infoHash: id20, port, token: fc.uint8Array({ minLength: 1, maxLength: 20 }), impliedPort: fc.boolean() }),
);
const response: fc.Arbitrary<Response> = fc.record({
  kind: fc.constant('response' as const),
  t: tid,
  id: id20,
  nodes: fc.option(fc.array(node4, { maxLength: 8 }), { nil: undefined }),
  nodes6: fc.option(fc.array(node6, { maxLength: 8 }), { nil: undefined }),
  values: fc.option(fc.array(fc.oneof(fc.record({ host: v4host, port }), fc.record({ host: v6host, port })), { maxLength: 30 }), { nil: undefined }),
  token: fc.option(fc.uint8Array({ minLength: 1, maxLength: 20 }), { nil: undefined }),
  ip: fc.option(fc.record({ host: v4host, port }), { nil: undefined }),
});

/** Drops undefined optional fields so deepEqual compares what is on the wire. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : Array.isArray(v) ? v.map((x: unknown) => (x && typeof x === 'object' && !(x instanceof Uint8Array) ? clean(x) : x)) : v && typeof v === 'object' ? clean(v) : v])) as T;
}

test('round trips: every query and response survives encode -> decode', () => {
  fc.assert(
    fc.property(query, (q) => {
      assert.deepEqual(clean(ok(encodeQuery(q))), clean(q));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(response, (r) => {
      const back = ok(encodeResponse(r));
      assert.deepEqual(clean(back), clean(r));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(tid, fc.integer({ min: 200, max: 299 }), fc.string({ maxLength: 40 }), (t, code, message) => {
      const back = ok(encodeError({ kind: 'error', t, code, message }));
      assert.ok(back.kind === 'error');
      assert.equal(back.code, code);
      assert.equal(back.message, message);
    }),
    { numRuns: 200 },
  );
});

test('malformed KRPC is a typed DhtError, never a throw', () => {
  const cases: [string, string][] = [
    ['', 'bencode'],
    ['i1e', 'malformed'],
    ['le', 'malformed'],
    ['d1:y1:qe', 'malformed'],
    ['d1:t2:aa1:y1:xe', 'malformed'],
    ['d1:t2:aa1:y1:q1:q4:pinge', 'malformed'],
    ['d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe', 'malformed'],
    ['d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe', 'malformed'],
    ['d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe', 'malformed'],
    ['d1:rd2:id2:xxe1:t2:aa1:y1:re', 'malformed'],
    ['d1:e3:bad1:t2:aa1:y1:ee', 'malformed'],
    ['d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qetrailing', 'bencode'],
    ['d1:ad1:xd1:xd1:xd1:xd1:xd1:xi1eeeeeeee1:q4:ping1:t2:aa1:y1:qe', 'bencode'],
  ];
  for (const [s, reason] of cases) {
    const m = decodeMessage(b(s));
    assert.ok(m instanceof DhtError, `${s} should fail`);
    assert.equal(m.code, 'EDHT');
    assert.equal(m.reason, reason, s);
  }
  // A bad query keeps its transaction id so the node can answer 203.
  const badQ = decodeMessage(b('d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:zz1:y1:qe'));
  assert.ok(badQ instanceof DhtError);
  assert.equal(txt(badQ.context.t as Uint8Array), 'zz');
  assert.equal(badQ.context.query, true);
  // Unknown methods decode (answered with 204), unknown keys are ignored.
  const unk = ok(b('d1:ad2:id20:abcdefghij01234567891:x1:ye1:q6:vote_x1:t2:aa1:y1:qe'));
  assert.ok(unk.kind === 'query' && unk.method === 'unknown' && unk.name === 'vote_x');
  // Oversized datagrams are refused before decoding.
  const big = Buffer.concat([b('d1:t2:aa1:y1:r1:rd2:id20:abcdefghij01234567891:x'), b(`${MAX_PACKET}:`), Buffer.alloc(MAX_PACKET), b('ee')]);
  const o = decodeMessage(big);
  assert.ok(o instanceof DhtError && o.reason === 'oversized');
  // Many values: kept bounded.
  const many = Buffer.concat([b('d1:rd2:id20:abcdefghij01234567896:valuesl'), ...Array.from({ length: 400 }, () => b('6:abcdef')), b('ee1:t2:aa1:y1:re')]);
  const mm = decodeMessage(many);
  assert.ok(mm instanceof DhtError || (mm.kind === 'response' && (mm.values?.length ?? 0) <= 200));
});

test('fuzz: random bytes and mutated valid messages never throw', () => {
  const valid = Object.values(EXAMPLES).map(b);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (u) => {
      const m = decodeMessage(u);
      assert.ok(m instanceof DhtError || typeof m.kind === 'string');
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (base, flips, cut) => {
      const u = Buffer.from(base);
      for (const [at, v] of flips) u[at % u.length] = v;
      for (const input of [u, u.subarray(0, cut % (u.length + 1))]) {
        const m = decodeMessage(input);
        assert.ok(m instanceof DhtError || typeof m.kind === 'string');
      }
    }),
    { numRuns: 5000 },
  );
});
