// Shared helpers for the bencode tests and the fuzzer.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BencodeError } from '../../src/bencode/index.js';
import type { BencodeReason, BValue } from '../../src/bencode/index.js';

/** The repository root, from either test/bencode/ (ts) or build/test/bencode/ (js). */
export const repoRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '../..');
  return path.basename(up) === 'build' ? path.dirname(up) : up;
})();

/** ../shared beside the checkout (conformance data), present in CI. */
export const sharedDir = path.resolve(repoRoot, '../shared');

/** Bytes of a latin1 string (one byte per char). */
export function b(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

export function hex(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.length).toString('hex');
}

/** Runs fn and asserts it throws a BencodeError with this reason and offset (each checked when given). */
export function throwsBencode(fn: () => unknown, reason: BencodeReason | undefined, offset?: number): BencodeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BencodeError, `expected a BencodeError, got ${String(caught)}`);
  assert.equal(caught.code, 'EBENCODE');
  if (reason !== undefined) assert.equal(caught.reason, reason, `reason (${caught.message})`);
  if (offset !== undefined) {
    assert.equal(caught.offset, offset, `offset (${caught.message})`);
    assert.equal(caught.context.offset, offset);
  }
  return caught;
}

/** Tagged, order-preserving form of a decoded value (the conformance vectors' format, bytes as hex). */
export type Tagged = { i: string } | { x: string } | { l: Tagged[] } | { d: [Tagged, Tagged][] };

export function tag(v: BValue): Tagged {
  if (typeof v === 'number' || typeof v === 'bigint') return { i: String(v) };
  if (v instanceof Uint8Array) return { x: hex(v) };
  if (Array.isArray(v)) return { l: v.map(tag) };
  return { d: [...v].map(([k, val]): [Tagged, Tagged] => [{ x: Buffer.from(k, 'latin1').toString('hex') }, tag(val)]) };
}
