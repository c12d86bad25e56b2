/**
 * Peer wire codec micro-benchmark (run by hand: `node build/bench/wire.js`).
 * - decode: a stream of 16 KiB piece messages arriving in 64 KiB chunks, in MiB/s of stream;
 * - the same stream through a naive decoder (Buffer.concat of pending bytes, copy of each
 *   payload), the usual first implementation, as the in-run reference, and a plain copy
 *   of the stream (one memcpy per chunk) as the ceiling a copying decoder cannot pass;
 * - encode rates of request messages and piece headers (encodePiece), in millions/s.
 * Medians of several runs; the machine is shared, so treat the figures as rough.
 */
import { WireDecoder } from '../src/wire/decoder.js';
import { encodePiece, encodeRequest } from '../src/wire/encode.js';

const RUNS = Number(process.env.RUNS ?? 7);
const STREAM_MIB = Number(process.env.STREAM_MIB ?? 128);
const BLOCK = 16384;
const CHUNK = 65536;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function buildChunks(): { chunks: Buffer[]; bytes: number; messages: number } {
  const block = Buffer.alloc(BLOCK, 0x5a);
  const messages = (STREAM_MIB * 1024 * 1024) / BLOCK;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < messages; i++) parts.push(...encodePiece(i >> 6, (i & 63) * BLOCK, block));
  const stream = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  // Fresh buffers per chunk, as net.Socket delivers them.
  for (let o = 0; o < stream.length; o += CHUNK) chunks.push(Buffer.from(stream.subarray(o, o + CHUNK)));
  return { chunks, bytes: stream.length, messages };
}

/** The usual naive decoder: concat what is pending, slice out whole messages, copy payloads. */
class NaiveDecoder {
  private pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { type: string; index: number; begin: number; block: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out = [];
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) break;
      const msg = this.pending.subarray(4, 4 + len);
      out.push({ type: 'piece', index: msg.readUInt32BE(1), begin: msg.readUInt32BE(5), block: Buffer.from(msg.subarray(9)) });
      this.pending = this.pending.subarray(4 + len);
    }
    return out;
  }
}

function timeIt(fn: () => number, expect: number): number {
  const t0 = process.hrtime.bigint();
  const n = fn();
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  if (n !== expect) throw new Error(`decoded ${n} messages, expected ${expect}`);
  return dt;
}

function main(): void {
  const { chunks, bytes, messages } = buildChunks();
  const mib = bytes / (1024 * 1024);
  const shoal: number[] = [];
  const naive: number[] = [];
  const copy: number[] = [];
  const sink = Buffer.allocUnsafe(CHUNK);
  for (let r = 0; r < RUNS; r++) {
    shoal.push(
      mib /
        timeIt(() => {
          const d = new WireDecoder({ handshake: false });
          let n = 0;
          for (const c of chunks) n += d.push(c).length;
          return n;
        }, messages),
    );
    naive.push(
      mib /
        timeIt(() => {
          const d = new NaiveDecoder();
          let n = 0;
          for (const c of chunks) n += d.push(c).length;
          return n;
        }, messages),
    );
    copy.push(
      mib /
        timeIt(() => {
          for (const c of chunks) c.copy(sink);
          return messages;
        }, messages),
    );
  }
  const N = 2_000_000;
  const req: number[] = [];
  const pieceHdr: number[] = [];
  const block = Buffer.alloc(BLOCK);
  for (let r = 0; r < RUNS; r++) {
    let t0 = process.hrtime.bigint();
    let x = 0;
    for (let i = 0; i < N; i++) x ^= encodeRequest(i, (i & 63) * BLOCK, BLOCK)[8]!;
    req.push(N / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) x ^= encodePiece(i, (i & 63) * BLOCK, block)[0][8]!;
    pieceHdr.push(N / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6);
    if (x === 0x1234567) console.log('');
  }
  const s = median(shoal);
  const nv = median(naive);
  const cp = median(copy);
  console.log(`wire decode: ${messages} piece messages (16 KiB) in ${CHUNK / 1024} KiB chunks, ${mib.toFixed(0)} MiB, median of ${RUNS}`);
  console.log(`  shoal WireDecoder     ${s.toFixed(0).padStart(7)} MiB/s  (${((s * 1024 * 1024) / (BLOCK + 13) / 1e3).toFixed(0)}k msgs/s)`);
  console.log(`  naive concat decoder  ${nv.toFixed(0).padStart(7)} MiB/s  shoal/naive = ${(s / nv).toFixed(2)}x`);
  console.log(`  memcpy of the stream  ${cp.toFixed(0).padStart(7)} MiB/s  shoal/memcpy = ${(s / cp).toFixed(2)}x`);
  console.log(`wire encode (median of ${RUNS}, ${N / 1e6}M each)`);
  console.log(`  encodeRequest         ${median(req).toFixed(1).padStart(7)} M/s`);
  console.log(`  encodePiece (header)  ${median(pieceHdr).toFixed(1).padStart(7)} M/s  = ${((median(pieceHdr) * 1e6 * BLOCK) / 2 ** 30).toFixed(0)} GiB/s of 16 KiB blocks framed`);
}

main();
