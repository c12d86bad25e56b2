// Minimal typing for the `bencode` npm package (v4), used only by the benchmarks.
declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array, encoding?: string): unknown;
    byteLength(value: unknown): number;
    encodingLength(value: unknown): number;
  };
  export default bencode;
}
