// A fake metadata peer (BEP 9 over BEP 10) for the metadata fetch tests: a TCP server on
// 127.0.0.1 that answers ut_metadata requests from a blob, honestly or not.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { encode } from '../../src/bencode/encode.js';
import { WireDecoder } from '../../src/wire/decoder.js';
import { encodeExtended } from '../../src/wire/encode.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import { METADATA_PIECE_SIZE, decodeMetadataMessage, encodeMetadataReject, metadataPieceLength } from '../../src/wire/metadata.js';

/** How the peer behaves. */
export interface FakeMetaPeerOptions {
  readonly infoHash: Buffer;
  /** What it serves (may differ from the real metadata: a liar). */
  readonly blob: Buffer;
  /** Raw metadata_size value for the extension handshake (default blob.length); a string is sent as a byte string. */
  readonly advertise?: number | bigint | string | null;
  /** 'good' (default), 'reject' every request, 'silent' (never answers), 'short' (one byte less), 'long' (one byte more), 'total' (wrong total_size), 'index' (answers a piece far out of range), 'garbage' (not bencode). */
  readonly mode?: 'good' | 'reject' | 'silent' | 'short' | 'long' | 'total' | 'index' | 'garbage';
  /** Its ut_metadata id (default 3). */
  readonly extId?: number;
}

const UT = 3;

export class FakeMetaPeer {
  readonly server: Server;
  /** Requests received (piece numbers), over every connection. */
  readonly requests: number[] = [];
  /** Pieces answered with data. */
  served = 0;
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly opts: FakeMetaPeerOptions) {
    this.server = createServer((s) => this.onConn(s));
  }

  static async start(opts: FakeMetaPeerOptions): Promise<FakeMetaPeer> {
    const p = new FakeMetaPeer(opts);
    await new Promise<void>((res) => p.server.listen(0, '127.0.0.1', res));
    return p;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }

  private onConn(s: Socket): void {
    this.connections++;
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    const dec = new WireDecoder();
    let peerUt = 0;
    s.on('data', (chunk: Buffer) => {
      let msgs;
      try {
        msgs = dec.push(chunk);
      } catch {
        s.destroy();
        return;
      }
      for (const m of msgs) {
        if (m.type === 'handshake') {
          const reserved = Buffer.alloc(8);
          reserved[5] = 0x10;
          s.write(encodeHandshake({ infoHash: this.opts.infoHash, peerId: randomBytes(20), reserved }));
          s.write(encodeExtended(0, this.handshakePayload()));
        } else if (m.type === 'extended' && m.extId === 0) {
          const d = /ut_metadatai(\d+)e/.exec(Buffer.from(m.payload).toString('latin1'));
          peerUt = d ? Number(d[1]) : 0;
        } else if (m.type === 'extended' && m.extId === (this.opts.extId ?? UT)) {
          const msg = decodeMetadataMessage(m.payload);
          if (msg.type === 'request') {
            this.requests.push(msg.piece);
            const reply = this.answer(msg.piece);
            if (reply !== undefined && peerUt > 0) s.write(encodeExtended(peerUt, reply));
          }
        }
      }
    });
  }

  private handshakePayload(): Buffer {
    const adv = this.opts.advertise === undefined ? this.opts.blob.length : this.opts.advertise;
    const m = encode({ ut_metadata: this.opts.extId ?? UT });
    let size = '';
    if (typeof adv === 'number' || typeof adv === 'bigint') size = `13:metadata_sizei${adv}e`;
    else if (typeof adv === 'string') size = `13:metadata_size${Buffer.byteLength(adv)}:${adv}`;
    return Buffer.concat([Buffer.from('d1:m'), m, Buffer.from(`${size}1:v4:fakee`)]);
  }

  private answer(piece: number): Buffer | undefined {
    const blob = this.opts.blob;
    const mode = this.opts.mode ?? 'good';
    if (mode === 'silent') return undefined;
    if (mode === 'reject') return encodeMetadataReject(piece);
    if (mode === 'garbage') return Buffer.from('this is not bencode');
    const start = piece * METADATA_PIECE_SIZE;
    let data = blob.subarray(start, start + metadataPieceLength(blob.length, piece));
    if (mode === 'short') data = data.subarray(0, data.length - 1);
    if (mode === 'long') data = Buffer.concat([data, Buffer.from([0])]);
    const total = mode === 'total' ? blob.length + 1 : blob.length;
    const index = mode === 'index' ? 1_000_000 : piece;
    this.served++;
    return Buffer.concat([encode({ msg_type: 1, piece: index, total_size: total }), data]);
  }
}

/** A valid single-file info dict of about `metaBytes` bytes (its `pieces` make the bulk). */
export function makeInfo(metaBytes: number): Buffer {
  const hashes = Math.max(1, Math.floor(metaBytes / 20));
  return encode({ length: hashes * 16384, name: 'meta.bin', 'piece length': 16384, pieces: randomBytes(hashes * 20) });
}
