// Drives Debian's transmission-cli (Transmission 3.00) as a BitTorrent seeder or leecher on
// loopback, with its own config folder (settings.json: DHT, LPD, PEX, uTP, port mapping and
// blocklists off, encryption tolerated so plaintext peers are fine), so it never leaves 127.0.0.1.
//
// Quirks (see shared/REFERENCE-CLIENTS.md): Transmission drops 127.x peers it hears of from a
// tracker, PEX or DHT ("martian" addresses) but accepts incoming connections from them, so the
// other side always dials it; it waits for its 10 s rechoke pulse before it unchokes or says
// it is interested, so a small transfer takes about 10 s. It prints its status with carriage
// returns: "Progress: 45.3%, …" while leeching, "Seeding, …" once complete (after checking).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './aria2.js';

const BIN = 'transmission-cli';

/** Why transmission-cli cannot be used here, or undefined when it can. */
export function transmissionMissing(): string | undefined {
  const r = spawnSync(BIN, ['--version'], { stdio: 'ignore' });
  return r.error === undefined ? undefined : 'transmission-cli is not installed (apt-get install transmission-cli)';
}

export interface TransmissionOptions {
  torrent: string;
  /** Folder that holds (seed) or receives (leech) the torrent's file or folder. */
  dir: string;
  /** Its own config folder (created). */
  configDir: string;
  port?: number;
}

export class TransmissionPeer {
  output = '';
  readonly exited: Promise<number | null>;
  private waiters: { re: RegExp; resolve: () => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const onData = (d: string): void => {
      this.output = (this.output + d).slice(-20_000);
      this.waiters = this.waiters.filter((w) => (w.re.test(this.output) ? (w.resolve(), false) : true));
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
  }

  static async start(o: TransmissionOptions): Promise<TransmissionPeer> {
    const port = o.port ?? (await freePort());
    await mkdir(o.configDir, { recursive: true });
    const settings = {
      'dht-enabled': false,
      'lpd-enabled': false,
      'pex-enabled': false,
      'utp-enabled': false,
      'port-forwarding-enabled': false,
      'blocklist-enabled': false,
      encryption: 0, // tolerated: plaintext is fine
      'rpc-enabled': false,
      'peer-port': port,
      'bind-address-ipv4': '127.0.0.1',
      'speed-limit-down-enabled': false,
      'speed-limit-up-enabled': false,
      'ratio-limit-enabled': false,
      'idle-seeding-limit-enabled': false,
    };
    await writeFile(join(o.configDir, 'settings.json'), JSON.stringify(settings, null, 2));
    const child = spawn(BIN, ['-g', o.configDir, '-w', o.dir, '-p', String(port), '-et', '-M', o.torrent], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: o.configDir } });
    return new TransmissionPeer(child, port);
  }

  /** Resolves once its status line matches (or at once if it already did). */
  private when(re: RegExp): Promise<void> {
    if (re.test(this.output)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ re, resolve });
      void this.exited.then((code) => reject(new Error(`transmission-cli exited (${code}): ${this.output.slice(-500)}`)));
    });
  }

  /** The data is checked and it seeds (a seeder is ready to be dialled; a leecher is complete). */
  seeding(): Promise<void> {
    return this.when(/Seeding, uploading/);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}
