import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { hexOf, runFuzz } from './fuzz-core.js';

test('fuzz: 20,000 random and mutated inputs only ever throw BencodeError', (t) => {
  const seed = 20261121;
  // The CI machine is small and shared: the slow-decode limit here is looser than the
  // fuzz script's 50 ms, so a descheduled process cannot fail the suite.
  const r = runFuzz({ count: 20_000, seed, maxMs: 250 });
  t.diagnostic(`seed ${seed}: ${r.accepted} accepted, ${r.rejected} rejected, slowest ${r.slowestMs.toFixed(1)} ms (${r.slowestInput}), ${(r.ms / 1000).toFixed(1)} s`);
  const shown = r.failures.slice(0, 5).map((f) => `[${f.strategy}] ${f.problem}: ${hexOf(f.input, 128)}`);
  assert.deepEqual(shown, []);
  assert.equal(r.decodes, 40_000);
  // Every strategy ran and both outcomes occur.
  assert.ok(Object.keys(r.strategies).length >= 10);
  assert.ok(r.accepted > 1000 && r.rejected > 1000);
});
