// A scripted peer for the PEX tests: handshakes with a shoal client, sends an extension
// handshake and whatever extension messages a test wants, and records what shoal sends.
import { connect, type Socket } from 'node:net';
import { encodeExtended } from '../../src/wire/encode.js';
import { WireDecoder } from '../../src/wire/decoder.js';
import { decodeExtensionHandshake, encodeExtensionHandshake, type ExtensionHandshake } from '../../src/wire/extension.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import type { DecodedMessage } from '../../src/wire/messages.js';

export class RawPeer {
  readonly messages: DecodedMessage[] = [];
  /** shoal's extension handshake, once received. */
  ext: ExtensionHandshake | undefined;
  closed = false;
  private readonly decoder = new WireDecoder();
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      try {
        for (const m of this.decoder.push(d)) {
          this.messages.push(m);
          if (m.type === 'extended' && m.extId === 0) this.ext = decodeExtensionHandshake(m.payload);
        }
      } catch {
        socket.destroy();
      }
      this.check();
    });
    socket.on('close', () => {
      this.closed = true;
      this.check();
    });
    socket.on('error', () => {});
  }

  /** Connects, handshakes for `infoHash` and sends an extension handshake with `m` (and `p`). */
  static async open(port: number, infoHash: Uint8Array, m: Record<string, number>, listenPort?: number): Promise<RawPeer> {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('error', rej);
    });
    const peer = new RawPeer(s);
    const id = Buffer.alloc(20, 0x41);
    id.write('-RP0001-', 0, 'latin1');
    s.write(encodeHandshake({ infoHash, peerId: id, extensions: { extended: true, fast: true } }));
    s.write(encodeExtended(0, encodeExtensionHandshake({ m: new Map(Object.entries(m)), v: 'raw-peer', ...(listenPort !== undefined && { p: listenPort }) })));
    await peer.until(() => peer.ext !== undefined || peer.closed);
    if (peer.ext === undefined) throw new Error('shoal closed before its extension handshake');
    return peer;
  }

  /** Resolves once pred() holds (checked on every message and on close). */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  }

  sendExtended(id: number, payload: Uint8Array): void {
    this.socket.write(encodeExtended(id, payload));
  }

  /** Sends raw bytes (several messages in one write keep their order at the receiver). */
  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }
}
