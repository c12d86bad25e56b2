// Drives a real aria2c (Debian's aria2) as a BitTorrent seeder or leecher on loopback.
//
// aria2 has no "connect to this peer" option: a leecher learns its peers from a tracker
// (`trackers`, e.g. test/helpers/mini-tracker.ts answering with the seeder's address); a
// seeder just listens, and the other side dials it. Completion comes from the
// --on-bt-download-complete hook: a small script that prints a marker line on aria2's stdout.
// --stop-with-process ties aria2's life to this process, so a crashed test leaves nothing behind.
//
// Quirks seen on aria2 1.36 here: it connects to tracker peers on a one-second tick (a
// small download takes 2-4 s mostly waiting); with the fast extension it opens with
// HAVE_NONE and then announces a completed piece with a whole BITFIELD message rather than a
// HAVE (a peer that treats "bitfield after the first message" as a violation drops it);
// --listen-port cannot be 0, so a free port is picked here first (tiny race, fine on loopback).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ARIA2 = 'aria2c';
const MARK = 'shoal-aria2-hook';

/** Why aria2 cannot be used here, or undefined when it can. */
export function aria2Missing(): string | undefined {
  const r = spawnSync(ARIA2, ['--version'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : 'aria2c is not installed (apt-get install aria2)';
}

/** A TCP port free on 127.0.0.1 right now (aria2 cannot be told to pick one itself). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => res());
  });
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

export interface Aria2Options {
  torrent: string;
  /** Folder that holds (seed) or receives (leech) the torrent's file or folder. */
  dir: string;
  mode: 'seed' | 'leech';
  /** Listen port (default: a free port picked here). */
  port?: number;
  /** Announce URLs used instead of the torrent's own (leechers learn their peers here). */
  trackers?: string[];
  /** Seed: hash-check the data first (default false: --bt-seed-unverified). */
  verify?: boolean;
  /** Leech: exit once complete (default true; false keeps seeding until stop()). */
  exitOnFinish?: boolean;
  /** Benchmark tuning: falloc allocation and a larger disk cache. */
  fast?: boolean;
  /** Extra aria2c arguments. */
  args?: string[];
}

export class Aria2Peer {
  stdout = '';
  stderr = '';
  private completed = false;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly hookDir: string,
  ) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      this.stdout += line + '\n';
      if (line.startsWith(MARK)) {
        this.completed = true;
        for (const w of this.waiters.splice(0)) w();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
    void this.exited.then(() => rm(this.hookDir, { recursive: true, force: true }));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(o: Aria2Options): Promise<Aria2Peer> {
    const port = o.port ?? (await freePort());
    const hookDir = await mkdtemp(join(tmpdir(), 'shoal-aria2-'));
    const hook = join(hookDir, 'done.sh');
    await writeFile(hook, `#!/bin/sh\necho "${MARK} complete $1 $2 $3"\n`);
    await chmod(hook, 0o755);
    const args = [
      `--dir=${o.dir}`,
      `--listen-port=${port}`,
      // Loopback only: listen on and dial from 127.0.0.1 (without it aria2 listens on 0.0.0.0).
      '--interface=127.0.0.1',
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--bt-require-crypto=false',
      '--bt-min-crypto-level=plain',
      '--seed-ratio=0.0',
      '--summary-interval=0',
      '--show-console-readout=false',
      '--download-result=hide',
      '--console-log-level=warn',
      '--auto-file-renaming=false',
      '--allow-overwrite=true',
      `--stop-with-process=${process.pid}`,
      `--on-bt-download-complete=${hook}`,
      `--file-allocation=${o.fast ? 'falloc' : 'none'}`,
    ];
    if (o.fast) args.push('--disk-cache=64M');
    if (o.trackers?.length) args.push('--bt-exclude-tracker=*', `--bt-tracker=${o.trackers.join(',')}`);
    if (o.mode === 'seed') {
      args.push(o.verify ? '--check-integrity=true' : '--bt-seed-unverified=true');
    } else if (o.exitOnFinish ?? true) {
      args.push('--seed-time=0');
    }
    args.push(...(o.args ?? []), o.torrent);
    const child = spawn(ARIA2, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const peer = new Aria2Peer(child, port, hookDir);
    await peer.listening();
    return peer;
  }

  /** Resolves once aria2 listens on its port (polls a connect; aria2 prints nothing at warn level). */
  private async listening(): Promise<void> {
    const { connect } = await import('node:net');
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`aria2c exited (${this.child.exitCode}) before listening: ${this.stdout}${this.stderr}`.trim());
      const ok = await new Promise<boolean>((res) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), res(true)));
        s.once('error', () => res(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`aria2c did not listen on ${this.port} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves when the download completed (hook ran); rejects if aria2 exits first without it. */
  finished(): Promise<void> {
    if (this.completed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      void this.exited.then((code) => {
        if (!this.completed) reject(new Error(`aria2c exited (${code}) before completing: ${this.stdout}${this.stderr}`.trim()));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
