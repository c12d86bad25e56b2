// Small clients for tracker tests: raw HTTP over net, UDP request/response, fixed test ids.
import { connect } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** GET/POST with node's http client (a fresh connection each time). */
export function httpRequest(port: number, path: string, opts: { method?: string; body?: Uint8Array; headers?: Record<string, string>; host?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: opts.host ?? '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes on a TCP connection and returns everything read until the server closes. */
export async function rawHttp(port: number, data: Uint8Array | string, timeoutMs = 5000): Promise<string> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.write(data);
  const timer = setTimeout(() => s.destroy(), timeoutMs);
  await once(s, 'close');
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('latin1');
}

/** Reads responses off a kept-alive connection until `count` complete responses arrived. */
export async function pipelined(port: number, data: string, count: number): Promise<string[]> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  let buf = Buffer.alloc(0);
  const out: string[] = [];
  s.write(data);
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.on('close', () => resolve());
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const he = buf.indexOf('\r\n\r\n');
        if (he < 0) break;
        const m = /content-length: (\d+)/i.exec(buf.toString('latin1', 0, he));
        const total = he + 4 + Number(m?.[1] ?? 0);
        if (buf.length < total) break;
        out.push(buf.toString('latin1', 0, total));
        buf = buf.subarray(total);
      }
      if (out.length >= count) {
        s.destroy();
        resolve();
      }
    });
  });
  return out;
}

export class UdpClient {
  readonly socket: Socket;
  private queue: Buffer[] = [];
  private waiters: ((b: Buffer) => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (m: Buffer) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
  }

  static async open(type: 'udp4' | 'udp6' = 'udp4'): Promise<UdpClient> {
    const s = createSocket(type);
    s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
    await once(s, 'listening');
    return new UdpClient(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(buf: Uint8Array, port: number, host = '127.0.0.1'): void {
    this.socket.send(buf, port, host);
  }

  /** The next datagram received (safety-net timeout). */
  next(timeoutMs = 5000): Promise<Buffer> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no UDP reply')), timeoutMs);
      this.waiters.push((b) => {
        clearTimeout(t);
        resolve(b);
      });
    });
  }

  /** Datagrams already received and not read. */
  pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.socket.close();
  }
}

export function peerId(n: number): Buffer {
  return Buffer.from(`-SH0001-${String(n).padStart(12, '0')}`);
}

export function infoHash(n: number): Buffer {
  const b = Buffer.alloc(20, 0xab);
  b.writeUInt32BE(n, 0);
  return b;
}
