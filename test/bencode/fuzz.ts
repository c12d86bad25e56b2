// Bencode fuzzer: `npm run fuzz` or `node build/test/bencode/fuzz.js [count] [seed]`.
// Decodes random and mutated inputs in strict and lenient mode. A failure is any exception
// other than BencodeError, a decode slower than 50 ms (confirmed on re-runs), or a broken
// oracle (strict success must re-encode to the input; lenient must accept what strict does).
// Prints counts and rate; exits 1 when anything failed.
import { hexOf, runFuzz } from './fuzz-core.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? (Date.now() % 2 ** 31));
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: node build/test/bencode/fuzz.js [count=1000000] [seed]');
  process.exit(2);
}

console.log(`bencode fuzz: ${count} inputs, seed ${seed}`);
const result = runFuzz({
  count,
  seed,
  progressEvery: Math.max(10_000, Math.floor(count / 10)),
  onProgress: (done) => console.log(`  ${done} inputs…`),
});

const secs = result.ms / 1000;
console.log(`inputs ${result.inputs}, decodes ${result.decodes} (strict + lenient) in ${secs.toFixed(1)} s: ` +
  `${Math.round(result.inputs / secs)} inputs/s, ${Math.round(result.decodes / secs)} decodes/s`);
console.log(`accepted ${result.accepted}, rejected with BencodeError ${result.rejected}`);
console.log(`reasons: ${JSON.stringify(result.reasons)}`);
console.log(`strategies: ${JSON.stringify(result.strategies)}`);
console.log(`slowest decode ${result.slowestMs.toFixed(2)} ms (${result.slowestInput}); slow calls not reproduced on re-run: ${result.transientSlow}`);
console.log(`failures: ${result.failures.length}`);
for (const f of result.failures.slice(0, 20)) {
  console.log(`FAIL [${f.strategy}] ${f.problem}\n  input hex: ${hexOf(f.input)}`);
}
if (result.failures.length > 20) console.log(`… and ${result.failures.length - 20} more`);
process.exit(result.failures.length === 0 ? 0 : 1);
