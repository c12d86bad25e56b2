// Helpers for daemon tests: an in-process daemon in a temp folder and raw HTTP requests
// (node:http, so tests control Host, Origin and the local address).
import { request } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../../src/daemon/index.js';
import type { Daemon, DaemonOptions } from '../../src/daemon/index.js';

export interface TestDaemon {
  readonly d: Daemon;
  readonly root: string;
  readonly dataDir: string;
  readonly downloadDir: string;
  readonly shareDir: string;
  close(): Promise<void>;
}

export async function testDaemon(o: Partial<DaemonOptions> = {}, root?: string): Promise<TestDaemon> {
  const base = root ?? (await mkdtemp(join(tmpdir(), 'shoal-daemon-')));
  const dataDir = join(base, 'data');
  const downloadDir = join(base, 'downloads');
  const shareDir = join(base, 'share');
  await mkdir(shareDir, { recursive: true });
  const d = await startDaemon({ dataDir, downloadDir, shareRoots: [shareDir], port: 0, peerPort: 0, peerHost: '127.0.0.1', ...o });
  return {
    d,
    root: base,
    dataDir,
    downloadDir,
    shareDir,
    close: async () => {
      await d.close();
      if (root === undefined) await rm(base, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ReqOptions {
  body?: unknown;
  raw?: Uint8Array;
  headers?: Record<string, string>;
  localAddress?: string;
  host?: string;
}

/** One HTTP request to the daemon; JSON bodies get Content-Type application/json. */
export function call(d: Daemon, method: string, path: string, o: ReqOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  let data: Buffer | undefined;
  if (o.raw !== undefined) data = Buffer.from(o.raw);
  else if (o.body !== undefined) {
    data = Buffer.from(JSON.stringify(o.body));
    headers['Content-Type'] ??= 'application/json';
  }
  if (data) headers['Content-Length'] = String(data.length);
  if (o.host !== undefined) headers['Host'] = o.host;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, method, path, headers, agent: false, ...(o.localAddress && { localAddress: o.localAddress }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls `f` until it returns a truthy value (each try right after the previous answer), or fails after `ms`. */
export async function until<T>(f: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
