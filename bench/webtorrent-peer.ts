/**
 * WebTorrent (the npm package, v3) as a TCP-only peer for the end-to-end benchmarks, run as
 * its own process like lt_peer.py and printing JSON lines: {"event":"listening","port":N},
 * {"event":"finished"} (every piece verified), {"event":"error","message":…}.
 *
 *   node build/bench/webtorrent-peer.js --torrent F --save DIR --mode leech|seed [--peer HOST:PORT]… [--port N]
 *
 * WebTorrent is not a dependency of shoal: it is loaded from SHOAL_WEBTORRENT_DIR (a folder
 * with node_modules/webtorrent), default .bench/webtorrent in the repository; see
 * webtorrentDir() and the README's benchmark section for installing it. Its WebRTC
 * dependency (webrtc-polyfill -> node-datachannel) needs a native binary that its install
 * script downloads; installed with --ignore-scripts that binary is missing, so a module
 * resolve hook replaces `webrtc-polyfill` with a stub (no WebRTC peers; TCP is all we use).
 * DHT, LSD, PEX, trackers, uTP, NAT traversal and encryption are off; plaintext TCP only.
 * It exits when stdin closes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/helpers/cli.js';

/** Where WebTorrent is looked for: $SHOAL_WEBTORRENT_DIR, else <repo>/.bench/webtorrent. */
export function webtorrentDir(): string {
  return process.env['SHOAL_WEBTORRENT_DIR'] ?? join(repoRoot, '.bench', 'webtorrent');
}

/** Path of WebTorrent's entry module, or undefined when it is not installed there. */
export function webtorrentEntry(): string | undefined {
  const p = join(webtorrentDir(), 'node_modules', 'webtorrent', 'index.js');
  return existsSync(p) ? p : undefined;
}

const STUB = `
class Unavailable { constructor() { throw new Error('WebRTC is stubbed out in the shoal benchmark'); } }
export const RTCPeerConnection = Unavailable, RTCSessionDescription = Unavailable, RTCIceCandidate = Unavailable;
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
`;

const HOOKS = `
const STUB = ${JSON.stringify('data:text/javascript,' + encodeURIComponent(STUB))};
export async function resolve(specifier, context, next) {
  if (specifier === 'webrtc-polyfill' || specifier.startsWith('webrtc-polyfill/')) return { url: STUB, shortCircuit: true };
  return next(specifier, context);
}
`;

interface WtTorrent {
  on(ev: 'done' | 'ready', f: () => void): void;
  on(ev: 'error' | 'warning', f: (e: Error | string) => void): void;
  addPeer(peer: string): boolean;
  readonly done: boolean;
}
interface WtClient {
  on(ev: 'error', f: (e: Error | string) => void): void;
  once(ev: 'listening', f: () => void): void;
  add(torrent: Uint8Array, opts: Record<string, unknown>, onTorrent?: (t: WtTorrent) => void): WtTorrent;
  address(): { port: number } | null;
  readonly listening: boolean;
  destroy(cb?: (e?: Error) => void): void;
}
type WtCtor = new (opts: Record<string, unknown>) => WtClient;

function out(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      torrent: { type: 'string' },
      save: { type: 'string' },
      mode: { type: 'string', default: 'leech' },
      peer: { type: 'string', multiple: true, default: [] },
      port: { type: 'string', default: '0' },
    },
  });
  const entry = webtorrentEntry();
  if (entry === undefined) throw new Error(`webtorrent not found under ${webtorrentDir()} (set SHOAL_WEBTORRENT_DIR)`);
  if (!values.torrent || !values.save) throw new Error('--torrent and --save are required');
  register('data:text/javascript,' + encodeURIComponent(HOOKS));
  const WebTorrent = ((await import(pathToFileURL(entry).href)) as { default: WtCtor }).default;
  const client = new WebTorrent({ dht: false, lsd: false, utPex: false, tracker: false, webSeeds: false, utp: false, natUpnp: false, natPmp: false, secure: 0, torrentPort: Number(values.port) });
  client.on('error', (e) => {
    out({ event: 'error', message: String((e as Error).message ?? e) });
    process.exit(1);
  });
  const seed = values.mode === 'seed';
  const buf = await readFile(values.torrent);
  // announce: [] keeps it off the torrent's trackers; peers come from --peer (or dial us).
  const t = client.add(buf, { path: values.save, announce: [], skipVerify: seed });
  t.on('error', (e) => {
    out({ event: 'error', message: String((e as Error).message ?? e) });
    process.exit(1);
  });
  t.on('ready', () => {
    for (const p of values.peer) t.addPeer(p);
  });
  t.on('done', () => out({ event: 'finished' }));
  const listening = (): void => out({ event: 'listening', port: client.address()?.port ?? 0 });
  if (client.listening) listening();
  else client.once('listening', listening);
  process.stdin.resume();
  process.stdin.on('end', () => client.destroy(() => process.exit(0)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    out({ event: 'error', message: (e as Error).message });
    process.exit(1);
  });
}
