import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { CandidateSet, type CandidatePolicy } from '../../src/engine/candidates.js';

const policy: CandidatePolicy = { maxCandidates: 3, maxFails: 2, backoffMs: (f) => 100 * 2 ** f };
type Conn = { id: number };

test('candidates: dedupe by address, a cap for found addresses but not for the user\'s', () => {
  const s = new CandidateSet<Conn>(policy);
  assert.ok(s.add('10.0.0.1', 1, false, 0));
  assert.equal(s.add('10.0.0.1', 1, false, 0), s.add('10.0.0.1', 1, false, 5), 'same address, same candidate');
  assert.equal(s.add('::1', 2, false, 0)!.key, '[::1]:2');
  s.add('10.0.0.3', 3, false, 0);
  assert.equal(s.add('10.0.0.4', 4, false, 0), undefined, 'full');
  assert.ok(s.add('10.0.0.5', 5, true, 0), 'explicit always added');
  assert.equal(s.size, 4);
});

test('candidates: due skips connected, waiting and skipped ones; backoff doubles; too many failures forget', () => {
  const s = new CandidateSet<Conn>(policy);
  const a = s.add('a', 1, false, 0)!;
  const b = s.add('b', 1, false, 0)!;
  const conn = { id: 1 };
  s.attach(a, conn);
  assert.deepEqual(s.due(0, 10).map((c) => c.key), ['b:1']);
  assert.deepEqual(s.due(0, 10, (c) => c === b), []);
  assert.equal(s.of(conn), a);
  s.detach(conn, 1000, false);
  assert.equal(a.conn, undefined);
  assert.equal(a.nextAt, 1000 + 200);
  assert.equal(s.nextDue(), 0, 'b is due at once');
  assert.deepEqual(s.due(1100, 10).map((c) => c.key), ['b:1']);
  s.failed(a, 2000);
  assert.equal(a.nextAt, 2000 + 400);
  s.failed(a, 3000);
  assert.deepEqual(s.due(1e9, 10).map((c) => c.key), ['b:1'], 'a forgotten after 3 failures');
  const x = s.add('x', 1, true, 0)!;
  for (let i = 0; i < 10; i++) s.failed(x, 0);
  assert.equal(s.add('x', 1, true, 5), x, 'an explicit address is kept');
  assert.equal(x.nextAt, 5, 'and given again it is due now');
});

test('candidates: a connection that worked clears its failures; banned addresses are never added again', () => {
  const s = new CandidateSet<Conn>(policy);
  const a = s.add('a', 1, false, 0)!;
  s.failed(a, 0);
  const conn = { id: 2 };
  s.attach(a, conn);
  s.detach(conn, 50, true);
  assert.equal(a.fails, 0);
  assert.equal(a.nextAt, 50 + 100);
  s.ban('a:1');
  assert.ok(s.isBanned('a:1'));
  assert.equal(s.add('a', 1, true, 0), undefined);
  assert.equal(s.size, 0);
});
