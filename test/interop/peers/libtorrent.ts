// Drives a real libtorrent peer (Debian's python3-libtorrent) through lt_peer.py.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/cli.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(repoRoot, 'test', 'interop', 'peers', 'lt_peer.py');

/** Why libtorrent cannot be used here, or undefined when it can. */
export function libtorrentMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import libtorrent'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : 'python3-libtorrent is not installed (apt-get install python3-libtorrent)';
}

export interface LtEvent {
  event: string;
  [key: string]: unknown;
}

export interface LtPeerOptions {
  /** .torrent path; or `magnet` (metadata from peers, BEP 9), optionally saved to `saveTorrent`. */
  torrent?: string;
  magnet?: string;
  saveTorrent?: string;
  /** Seconds between progress lines (and metadata checks); default 0.5. */
  interval?: number;
  save: string;
  mode: 'seed' | 'leech';
  port?: number;
  peers?: string[];
  fast?: boolean;
  seedMode?: boolean;
  exitOnFinish?: boolean;
}

export class LtPeer {
  readonly events: LtEvent[] = [];
  private waiters: { pred: (e: LtEvent) => boolean; resolve: (e: LtEvent) => void }[] = [];
  private exited: Promise<number | null>;
  stderr = '';

  private constructor(readonly child: ChildProcess, public port = 0) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      let ev: LtEvent;
      try {
        ev = JSON.parse(line) as LtEvent;
      } catch {
        return;
      }
      if (process.env['LT_DEBUG']) process.stderr.write(`lt_peer: ${line}\n`); // LT_DEBUG=1: see what libtorrent reports
      this.events.push(ev);
      this.waiters = this.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
  }

  static async start(o: LtPeerOptions): Promise<LtPeer> {
    const args = [SCRIPT, ...(o.magnet !== undefined ? ['--magnet', o.magnet] : ['--torrent', o.torrent ?? '']), '--save', o.save, '--mode', o.mode, '--port', String(o.port ?? 0)];
    if (o.saveTorrent !== undefined) args.push('--save-torrent', o.saveTorrent);
    if (o.interval !== undefined) args.push('--interval', String(o.interval));
    for (const p of o.peers ?? []) args.push('--peer', p);
    if (o.fast) args.push('--fast');
    if (o.seedMode) args.push('--seed-mode');
    if (o.exitOnFinish) args.push('--exit-on-finish');
    // stdin stays a pipe: lt_peer.py exits when it closes, so it never outlives the test.
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new LtPeer(child);
    const listening = await Promise.race([
      peer.next((e) => e.event === 'listening'),
      peer.exited.then((code) => {
        throw new Error(`lt_peer.py exited (${code}) before listening: ${peer.stderr.trim()}`);
      }),
    ]);
    peer.port = listening.port as number;
    return peer;
  }

  /** The next event (or an already seen one) that matches. */
  next(pred: (e: LtEvent) => boolean): Promise<LtEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  finished(): Promise<LtEvent> {
    return this.next((e) => e.event === 'finished');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
