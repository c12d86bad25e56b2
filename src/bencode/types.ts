/**
 * Bencode values as shoal holds them.
 * - integers are `number` when they fit in a double exactly, `bigint` otherwise (int64 range);
 * - byte strings are `Uint8Array` (decoded values are zero-copy views of the input);
 * - dicts are `Map`s keyed by the key's bytes read as latin1 (one char per byte), so any
 *   key round-trips exactly; insertion order is the input order.
 */
export type BInt = number | bigint;
export type BValue = BInt | Uint8Array | BList | BDict;
export type BList = BValue[];
export type BDict = Map<string, BValue>;

/** What the encoder accepts: decoded values plus plain strings and objects for convenience. */
export type BEncodable =
  | BInt
  | Uint8Array
  | string
  | boolean
  | readonly BEncodable[]
  | ReadonlyMap<string, BEncodable | undefined>
  | { readonly [key: string]: BEncodable | undefined };
