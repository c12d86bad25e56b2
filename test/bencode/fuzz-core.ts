// The bencode fuzzer's engine: seeded input generation and the checks run on each input.
// Used by fuzz.ts (the `npm run fuzz` command) and, with a small count, by fuzz.test.ts.
import { performance } from 'node:perf_hooks';
import { BencodeError, decode, encode } from '../../src/bencode/index.js';
import type { BValue } from '../../src/bencode/index.js';

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  /** A decode slower than this (confirmed on re-runs) is a failure. Default 50 ms. */
  readonly maxMs?: number;
  /** Called every `progressEvery` inputs. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface FuzzFailure {
  readonly input: Uint8Array;
  readonly strategy: string;
  readonly problem: string;
}

export interface FuzzResult {
  readonly inputs: number;
  readonly decodes: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly reasons: Record<string, number>;
  readonly strategies: Record<string, number>;
  readonly slowestMs: number;
  /** Strategy and input size of the slowest decode. */
  readonly slowestInput: string;
  readonly transientSlow: number;
  readonly failures: FuzzFailure[];
  readonly ms: number;
}

/** xorshift128+ reduced to 32-bit outputs; deterministic for a seed. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = seed | 0 || 1;
    this.b = 0x9e3779b9;
    this.c = 0x85ebca6b;
    this.d = 0xc2b2ae35;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const ALPHABET = Buffer.from('0123456789:ilde-');
const KEYS = ['announce', 'info', 'length', 'name', 'path', 'piece length', 'pieces', 'files', 'a', 'b', 'peers', 'interval'];

function randomValue(r: Rng, depth: number): BValue {
  const k = depth > 3 ? r.int(2) : r.int(5);
  if (k === 0) {
    const m = r.int(6);
    if (m === 0) return BigInt.asIntN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32()));
    if (m === 1) return -r.int(1000);
    return r.int(m === 2 ? 2 ** 31 : 100);
  }
  if (k === 1) {
    const n = r.chance(0.05) ? 100 + r.int(600) : r.int(12);
    const u = new Uint8Array(n);
    for (let i = 0; i < n; i++) u[i] = r.chance(0.5) ? 0x61 + r.int(26) : r.int(256);
    return u;
  }
  if (k === 2 || k === 4) {
    const m = new Map<string, BValue>();
    const n = r.int(6);
    for (let i = 0; i < n; i++) {
      const key = r.chance(0.7) ? r.pick(KEYS) : String.fromCharCode(r.int(256), r.int(256)).slice(0, r.int(3));
      m.set(key, randomValue(r, depth + 1));
    }
    return m;
  }
  return Array.from({ length: r.int(6) }, () => randomValue(r, depth + 1));
}

function validEncoding(r: Rng): Uint8Array {
  return new Uint8Array(encode(randomValue(r, 0)));
}

function randomBytes(r: Rng, n: number, alphabet?: Uint8Array): Uint8Array {
  const u = new Uint8Array(n);
  for (let i = 0; i < n; i++) u[i] = alphabet ? alphabet[r.int(alphabet.length)]! : r.int(256);
  return u;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function hugeNumber(r: Rng): string {
  const forms = ['99999999999999999999', '18446744073709551615', '18446744073709551616', '9223372036854775807', '9223372036854775808', '4294967296', '2147483648', '000000000000000000000001'];
  if (r.chance(0.5)) return r.pick(forms);
  let s = String(1 + r.int(9));
  const n = 5 + r.int(40);
  for (let i = 0; i < n; i++) s += String(r.int(10));
  return s;
}

type Strategy = (r: Rng) => Uint8Array;

const STRATEGIES: Record<string, Strategy> = {
  randomBytes: (r) => randomBytes(r, r.int(65)),
  alphabetBytes: (r) => randomBytes(r, r.int(129), ALPHABET),
  valid: (r) => validEncoding(r),
  bitFlips: (r) => {
    const u = validEncoding(r);
    const n = 1 + r.int(4);
    for (let i = 0; i < n && u.length > 0; i++) {
      const at = r.int(u.length);
      u[at] = u[at]! ^ (1 << r.int(8));
    }
    return u;
  },
  insertDelete: (r) => {
    const a = [...validEncoding(r)];
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) {
      const op = r.int(3);
      const at = r.int(a.length + 1);
      const byte = r.chance(0.6) ? ALPHABET[r.int(ALPHABET.length)]! : r.int(256);
      if (op === 0) a.splice(at, 0, byte);
      else if (op === 1) a.splice(at, 1);
      else if (a.length > 0) a[at % a.length] = byte;
    }
    return new Uint8Array(a);
  },
  splice: (r) => {
    const x = validEncoding(r);
    const y = validEncoding(r);
    const mid = r.chance(0.3) ? validEncoding(r) : new Uint8Array(0);
    return concat(x.subarray(0, r.int(x.length + 1)), mid, y.subarray(r.int(y.length + 1)));
  },
  truncate: (r) => {
    const x = validEncoding(r);
    return x.subarray(0, r.int(x.length + 1));
  },
  hugeLength: (r) => {
    const x = validEncoding(r);
    const at = r.int(x.length + 1);
    const prefix = Buffer.from(`${hugeNumber(r)}${r.chance(0.8) ? ':' : ''}`);
    return concat(x.subarray(0, at), prefix, r.chance(0.5) ? x.subarray(at) : randomBytes(r, r.int(20)));
  },
  hugeInt: (r) => {
    const sign = r.pick(['', '-', '--', '+']);
    const body = r.chance(0.2) ? '0'.repeat(1 + r.int(30)) + hugeNumber(r) : hugeNumber(r);
    const s = `i${sign}${body}${r.pick(['e', 'e', 'e', '', 'x', '.5e'])}`;
    return Buffer.from(r.chance(0.5) ? `l${s}e` : s);
  },
  deepNesting: (r) => {
    const n = 50 + r.int(r.chance(0.1) ? 20_000 : 300);
    const open = r.pick(['l', 'd1:a', 'ld1:a']);
    const close = r.int(4) === 0 ? 0 : n * (open === 'ld1:a' ? 2 : 1);
    return Buffer.from(open.repeat(n) + (open === 'l' ? '' : 'le') + 'e'.repeat(close));
  },
  manyItems: (r) => {
    const n = 1 + r.int(20_000);
    const item = r.pick(['0:', 'i0e', 'le', 'de', '1:a']);
    return Buffer.from(`l${item.repeat(n)}${r.chance(0.8) ? 'e' : ''}`);
  },
};
const STRATEGY_NAMES = Object.keys(STRATEGIES);
// Cheap strategies run more often than the big ones.
const WEIGHTS: Record<string, number> = { deepNesting: 1, manyItems: 1, hugeInt: 4, hugeLength: 6, valid: 6 };
const TABLE = STRATEGY_NAMES.flatMap((n) => Array<string>(WEIGHTS[n] ?? 10).fill(n));

const SOFT = new Set(['non_canonical', 'unsorted_keys', 'duplicate_key']);

function timedDecode(input: Uint8Array, strict: boolean): { ms: number; value?: BValue; error?: unknown } {
  const t0 = performance.now();
  try {
    const value = decode(input, { strict });
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

export function hexOf(u: Uint8Array, max = 512): string {
  const h = Buffer.from(u.buffer, u.byteOffset, Math.min(u.length, max)).toString('hex');
  return u.length > max ? `${h}… (${u.length} bytes)` : h;
}

export function runFuzz(opts: FuzzOptions): FuzzResult {
  const r = new Rng(opts.seed);
  const maxMs = opts.maxMs ?? 50;
  const every = opts.progressEvery ?? 100_000;
  const reasons: Record<string, number> = {};
  const strategies: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let decodes = 0;
  let accepted = 0;
  let rejected = 0;
  let slowestMs = 0;
  let slowestInput = '';
  let transientSlow = 0;
  const start = performance.now();

  for (let i = 0; i < opts.count; i++) {
    const strategy = TABLE[r.int(TABLE.length)]!;
    strategies[strategy] = (strategies[strategy] ?? 0) + 1;
    const input = STRATEGIES[strategy]!(r);
    const fail = (problem: string) => failures.push({ input, strategy, problem });
    const results = [true, false].map((strict) => {
      let res = timedDecode(input, strict);
      decodes++;
      if (res.ms > maxMs) {
        // Confirm before blaming the decoder: a GC pause or a busy machine can stall one call.
        const again = Math.min(timedDecode(input, strict).ms, timedDecode(input, strict).ms);
        if (again > maxMs) fail(`${strict ? 'strict' : 'lenient'} decode took ${again.toFixed(1)} ms`);
        else transientSlow++;
        res = { ...res, ms: again };
      }
      if (res.ms > slowestMs) {
        slowestMs = res.ms;
        slowestInput = `${strategy}, ${input.length} bytes`;
      }
      if (res.error === undefined) accepted++;
      else if (res.error instanceof BencodeError) {
        rejected++;
        reasons[res.error.reason] = (reasons[res.error.reason] ?? 0) + 1;
        if (res.error.offset < 0 || res.error.offset > input.length) fail(`error offset ${res.error.offset} outside the input`);
      } else {
        const e = res.error;
        fail(`${strict ? 'strict' : 'lenient'} decode threw a non-BencodeError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      return res;
    });
    const [s, l] = results as [ReturnType<typeof timedDecode>, ReturnType<typeof timedDecode>];
    // Oracles: strict success means canonical bytes (re-encoding gives the input) and lenient
    // agrees; lenient rejecting what strict accepts, or strict rejecting for a structural reason
    // what lenient accepts, is a bug.
    if (s.error === undefined) {
      try {
        if (!Buffer.from(encode(s.value!)).equals(input)) fail('strict decode accepted input that does not re-encode to itself');
      } catch (e) {
        fail(`encode of a strictly decoded value threw: ${String(e)}`);
      }
      if (l.error !== undefined) fail('lenient rejected what strict accepted');
    } else if (l.error === undefined && s.error instanceof BencodeError && !SOFT.has(s.error.reason)) {
      fail(`strict rejected with ${s.error.reason} what lenient accepted`);
    }
    if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1);
  }
  return {
    inputs: opts.count,
    decodes,
    accepted,
    rejected,
    reasons,
    strategies,
    slowestMs,
    slowestInput,
    transientSlow,
    failures,
    ms: performance.now() - start,
  };
}
