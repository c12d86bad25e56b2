// The client under attack: `shoal download --seed` / `shoal seed` processes by default. Set
// SHOAL_ADVERSARY_SUBJECT=libtorrent to run the same attacks against libtorrent (to check the
// harness itself: a mature client must pass them too).
import { freePort } from '../../interop/peers/aria2.js';
import { LtPeer, libtorrentMissing } from '../../interop/peers/libtorrent.js';
import { ShoalProc, shoalCommandMissing } from '../../helpers/shoal-proc.js';
import type { Fixture } from '../../helpers/torrent-fixture.js';
import { waitHandshake } from '../../helpers/handshake-probe.js';

export const subjectName = process.env['SHOAL_ADVERSARY_SUBJECT'] === 'libtorrent' ? 'libtorrent' : 'shoal';

export interface Subject {
  readonly pid: number;
  /** Listen port (seeders; downloaders too when known). */
  readonly port: number;
  /** Resolves when every piece is verified (downloaders). */
  complete(): Promise<void>;
  /** Still alive? */
  alive(): boolean;
  /** Clean stop; resolves with the exit code (0 expected). */
  stop(): Promise<number | null>;
  describe(): string;
}

export function subjectMissing(role: 'download' | 'seed'): string | undefined {
  return subjectName === 'libtorrent' ? libtorrentMissing() : shoalCommandMissing(role);
}

/**
 * A downloader of `fx` into `out`, dialing `peers`, that keeps running (seeding) after it
 * completes, so the test can still watch its connections.
 */
export async function startDownloader(fx: Fixture, out: string, peers: string[]): Promise<Subject> {
  if (subjectName === 'libtorrent') {
    const lt = await LtPeer.start({ torrent: fx.torrentPath, save: out, mode: 'leech', peers });
    return {
      pid: lt.child.pid ?? 0,
      port: lt.port,
      complete: async () => void (await lt.finished()),
      alive: () => lt.child.exitCode === null,
      stop: async () => (await lt.stop(), 0),
      describe: () => `libtorrent: ${lt.stderr.slice(-400)}`,
    };
  }
  const port = await freePort();
  const p = ShoalProc.download(fx.torrentPath, { out, peers, port, seed: true });
  return {
    pid: p.pid,
    port,
    complete: async () => void (await p.next((e) => e.kind === 'done')),
    alive: () => p.child.exitCode === null && p.child.signalCode === null,
    stop: () => p.stop('SIGINT'),
    describe: () => `${p.entry} ${p.args.join(' ')}; stderr: ${p.stderr.trim().slice(-600)}`,
  };
}

/** A seeder of `fx` listening on 127.0.0.1 (resolves once it accepts connections). */
export async function startSeeder(fx: Fixture): Promise<Subject> {
  if (subjectName === 'libtorrent') {
    const lt = await LtPeer.start({ torrent: fx.torrentPath, save: fx.seedDir, mode: 'seed', seedMode: true });
    // libtorrent hangs up on incoming peers for a moment after start ("no active torrents").
    await waitHandshake(lt.port, fx.meta.infoHash.bytes);
    return {
      pid: lt.child.pid ?? 0,
      port: lt.port,
      complete: async () => {},
      alive: () => lt.child.exitCode === null,
      stop: async () => (await lt.stop(), 0),
      describe: () => `libtorrent: ${lt.stderr.slice(-400)}`,
    };
  }
  const port = await freePort();
  const p = ShoalProc.seed(fx.torrentPath, fx.dataPath, { port });
  await p.listening(port);
  // Listening is not enough: the torrent must be added (data checked) before it answers.
  await waitHandshake(port, fx.meta.infoHash.bytes, 30_000);
  return {
    pid: p.pid,
    port,
    complete: async () => {},
    alive: () => p.child.exitCode === null && p.child.signalCode === null,
    stop: () => p.stop('SIGINT'),
    describe: () => `${p.entry} ${p.args.join(' ')}; stderr: ${p.stderr.trim().slice(-600)}`,
  };
}
