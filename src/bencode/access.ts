import { ShoalError } from '../core/errors.js';
import type { BDict, BList, BValue } from './types.js';

/**
 * Typed readers for decoded values: each returns undefined when the key is absent and
 * throws a `ShoalError` with code `EBENCODE_TYPE` when it holds the wrong type.
 */
export class BencodeTypeError extends ShoalError {
  constructor(key: string, want: string) {
    super('EBENCODE_TYPE', `"${key}" must be ${want}`, { key });
  }
}

export function isDict(v: BValue | undefined): v is BDict {
  return v instanceof Map;
}

export function isBytes(v: BValue | undefined): v is Uint8Array {
  return v instanceof Uint8Array;
}

export function isInt(v: BValue | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function getDict(d: BDict, key: string): BDict | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (!isDict(v)) throw new BencodeTypeError(key, 'a dictionary');
  return v;
}

export function getList(d: BDict, key: string): BList | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new BencodeTypeError(key, 'a list');
  return v;
}

export function getBytes(d: BDict, key: string): Uint8Array | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (!isBytes(v)) throw new BencodeTypeError(key, 'a byte string');
  return v;
}

/** UTF-8 text of a byte-string value (invalid sequences become U+FFFD). */
export function getString(d: BDict, key: string): string | undefined {
  const b = getBytes(d, key);
  return b === undefined ? undefined : utf8(b);
}

/** An integer value that fits in a JS number exactly. */
export function getInt(d: BDict, key: string): number | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') throw new BencodeTypeError(key, 'an integer below 2^53');
  throw new BencodeTypeError(key, 'an integer');
}

const decoder = new TextDecoder('utf-8');
export function utf8(b: Uint8Array): string {
  return decoder.decode(b);
}
