export type { BInt, BValue, BList, BDict, BEncodable } from './types.js';
export { decode, decodeFull, compareBytes } from './decode.js';
export type { DecodeOptions, Decoded } from './decode.js';
export { encode, encodedLength } from './encode.js';
export { BencodeError, BencodeEncodeError } from './errors.js';
export type { BencodeReason } from './errors.js';
export * from './access.js';
