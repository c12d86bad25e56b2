// A raw TCP BitTorrent peer the test controls, built on src/wire: it can behave (serve
// correct blocks) or misbehave (corrupt blocks, oversized messages, bad indexes, floods,
// silence, garbage). Used to attack a shoal process in test/engine/adversary*.test.ts.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WireDecoder } from '../../../src/wire/decoder.js';
import { encodeHandshake } from '../../../src/wire/handshake.js';
import type { DecodedMessage } from '../../../src/wire/messages.js';

/** A fresh 20-byte peer id with a recognizable prefix. */
export function scriptedPeerId(tag = 'SP'): Buffer {
  const id = Buffer.alloc(20, 0x30);
  id.write(`-${tag.slice(0, 2)}0001-`, 0, 'latin1');
  for (let i = 8; i < 20; i++) id[i] = 0x61 + Math.floor(Math.random() * 26);
  return id;
}

/** One TCP connection: raw writes, decoded reads, awaitable messages and close. */
export class ScriptedConn {
  readonly received: DecodedMessage[] = [];
  /** Set when the remote side sent something the decoder rejected. */
  decodeError: Error | undefined;
  bytesIn = 0;
  readonly closed: Promise<void>;
  private closedFlag = false;
  private readonly decoder: WireDecoder;
  private waiters: { pred: (m: DecodedMessage) => boolean; resolve: (m: DecodedMessage) => void; reject: (e: Error) => void }[] = [];
  /** Called for every decoded message (after it is recorded). */
  onMessage: ((m: DecodedMessage) => void) | undefined;

  constructor(readonly socket: Socket, opts: { maxBlockLength?: number } = {}) {
    this.decoder = new WireDecoder({ maxBlockLength: opts.maxBlockLength ?? 1 << 17 });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      if (this.decodeError) return;
      let msgs: DecodedMessage[];
      try {
        msgs = this.decoder.push(chunk);
      } catch (e) {
        this.decodeError = e as Error;
        return;
      }
      for (const m of msgs) {
        // Piece blocks are views of `chunk`: keep a copy only of small messages.
        this.received.push(m);
        this.onMessage?.(m);
        this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((res) =>
      socket.once('close', () => {
        this.closedFlag = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed before the awaited message'));
        res();
      }),
    );
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Writes raw bytes; false once the socket is gone. Respects nothing: that is the point. */
  write(b: Uint8Array): boolean {
    if (this.closedFlag || this.socket.destroyed) return false;
    return this.socket.write(b);
  }

  /** Sends our handshake for `infoHash`. */
  handshake(infoHash: Uint8Array, peerId: Uint8Array, extensions: { fast?: boolean; extended?: boolean } = {}): void {
    this.write(encodeHandshake({ infoHash, peerId, extensions }));
  }

  /** The next matching message (or one already received). */
  next(pred: (m: DecodedMessage) => boolean): Promise<DecodedMessage> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.closedFlag) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ pred, resolve, reject }));
  }

  nextType(type: DecodedMessage['type']): Promise<DecodedMessage> {
    return this.next((m) => m.type === type);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A listening scripted peer: every accepted connection is handed to `onConnection`. */
export class ScriptedServer {
  readonly connections: ScriptedConn[] = [];
  private waiters: ((c: ScriptedConn) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async listen(onConnection: (c: ScriptedConn) => void, opts: { maxBlockLength?: number } = {}): Promise<ScriptedServer> {
    const server = createServer();
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => res());
    });
    const s = new ScriptedServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (sock) => {
      const c = new ScriptedConn(sock, opts);
      s.connections.push(c);
      onConnection(c);
      for (const w of s.waiters.splice(0)) w(c);
    });
    return s;
  }

  /** The first connection (already accepted or the next one). */
  firstConnection(): Promise<ScriptedConn> {
    const c = this.connections[0];
    if (c) return Promise.resolve(c);
    return new Promise((res) => this.waiters.push(res));
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

/** Dials 127.0.0.1:port and resolves once connected. */
export function dial(port: number, opts: { maxBlockLength?: number } = {}): Promise<ScriptedConn> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => res(new ScriptedConn(s, opts)));
    s.once('error', rej);
  });
}
