import { homedir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../../daemon/index.js';
import type { DaemonOptions } from '../../daemon/index.js';
import { UsageError, type Command, type ParsedValues } from '../command.js';
import { intOption, list, str } from './args.js';
import { DHT_OPTIONS, DHT_USAGE, LSD_OPTIONS, LSD_USAGE, discoveryFromFlags } from './discovery-flags.js';

const USAGE = `shoal daemon [--host 127.0.0.1] [--port 9091] [--data DIR] [--download-dir DIR]
             [--share-root DIR]… [--peer-port N] [--tracker URL]… [--catalog URL]
             [--auth remote|always] [--trusted-addresses LIST] [--allow-host NAME]…
             [--max-connections N] [--max-peers N] [--upload-slots N]
             [--download-limit BYTES/S] [--upload-limit BYTES/S] [--web DIR]

Runs many torrents with a JSON API (/api/v1, see docs/api.md) and a Transmission-compatible
RPC endpoint (/transmission/rpc). State survives restarts (in --data).

  --host ADDR             API address (default 127.0.0.1)
  --port N                API port (default 9091)
  --data DIR              state, .torrent files, resume data, token (default ~/.shoal)
  --download-dir DIR      default download folder; downloads must stay inside it
                          (default DATA/downloads)
  --share-root DIR        a folder that may be shared (repeatable; default: the download dir)
  --peer-port N           BitTorrent listen port (default 6881; 0: any)
  --tracker URL           tracker put into shared torrents (repeatable)
  --catalog URL           a shoal tracker's HTTP base URL: fetch .torrents by info-hash,
                          register shared torrents
  --catalog-token T       bearer token for the catalog's POST /torrents
  --auth remote|always    token needed from non-loopback callers only (default), or always
  --trusted-addresses L   comma-separated addresses trusted without token (replaces loopback)
  --allow-host NAME       extra Host header name accepted (repeatable; IPs and localhost always)
  --allow-origin ORIGIN   origin allowed to make state-changing browser requests (repeatable)
  --max-connections N     peer connections over all torrents (default 200)
  --max-peers N           peers per torrent (default 50)
  --upload-slots N        upload slots per torrent (default 4)
  --max-upload-slots N    peers unchoked at once over all torrents (default 40; 0: no cap)
  --metadata-timeout S    how long an add by magnet or info-hash waits for peers to send
                          the metadata, seconds (default 60)
  --download-limit B      global download limit, bytes/s (0: none)
  --upload-limit B        global upload limit, bytes/s (0: none)
  --web DIR               folder with the web UI's built files
${DHT_USAGE.replace('beside the data', 'in DATA/.shoal').replace('any free port', 'the peer port')}
${LSD_USAGE}

The API token is stored in DATA/token (mode 0600) and printed once, at first start.
SIGINT/SIGTERM stop every torrent cleanly (resume data written) and exit.`;

function secondsToMs(s: number | undefined): number | undefined {
  return s === undefined ? undefined : s * 1000;
}

export const daemonCommand: Command = {
  name: 'daemon',
  usage: USAGE,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    'download-dir': { type: 'string' },
    'share-root': { type: 'string', multiple: true },
    'peer-port': { type: 'string' },
    'peer-host': { type: 'string' },
    tracker: { type: 'string', multiple: true },
    catalog: { type: 'string' },
    'catalog-token': { type: 'string' },
    auth: { type: 'string' },
    'trusted-addresses': { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    'allow-origin': { type: 'string', multiple: true },
    'max-connections': { type: 'string' },
    'max-peers': { type: 'string' },
    'upload-slots': { type: 'string' },
    'max-upload-slots': { type: 'string' },
    'metadata-timeout': { type: 'string' },
    'download-limit': { type: 'string' },
    'upload-limit': { type: 'string' },
    web: { type: 'string' },
    ...DHT_OPTIONS,
    ...LSD_OPTIONS,
  },

  async run(values: ParsedValues, positionals: string[]): Promise<number> {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const auth = str(values, 'auth') ?? 'remote';
    if (auth !== 'remote' && auth !== 'always') throw new UsageError(`--auth must be remote or always, got ${JSON.stringify(auth)}`);
    const trackers = list(values, 'tracker');
    for (const t of trackers) if (!/^(https?|udp):\/\/\S+$/i.test(t)) throw new UsageError(`--tracker needs an http(s):// or udp:// URL, got ${JSON.stringify(t)}`);
    const catalog = str(values, 'catalog');
    if (catalog !== undefined && !/^https?:\/\/\S+$/i.test(catalog)) throw new UsageError(`--catalog needs an http(s):// URL, got ${JSON.stringify(catalog)}`);
    const trusted = str(values, 'trusted-addresses');
    const opt = (k: string, v: unknown): Record<string, unknown> => (v === undefined ? {} : { [k]: v });
    const o: DaemonOptions = {
      dataDir: str(values, 'data') ?? join(homedir(), '.shoal'),
      auth,
      trackers,
      ...opt('host', str(values, 'host')),
      ...opt('port', intOption(values, 'port', 0, 65535)),
      ...opt('downloadDir', str(values, 'download-dir')),
      shareRoots: list(values, 'share-root'),
      ...opt('peerPort', intOption(values, 'peer-port', 0, 65535)),
      ...opt('peerHost', str(values, 'peer-host')),
      ...opt('catalog', catalog),
      ...opt('catalogToken', str(values, 'catalog-token')),
      ...opt('trusted', trusted?.split(',').map((s) => s.trim()).filter(Boolean)),
      allowedHosts: list(values, 'allow-host'),
      allowedOrigins: list(values, 'allow-origin'),
      ...opt('maxConnections', intOption(values, 'max-connections', 1, 100_000)),
      ...opt('maxPeers', intOption(values, 'max-peers', 1, 10_000)),
      ...opt('uploadSlots', intOption(values, 'upload-slots', 1, 1000)),
      ...opt('maxUploadSlots', intOption(values, 'max-upload-slots', 0, 100_000)),
      ...opt('metadataTimeout', secondsToMs(intOption(values, 'metadata-timeout', 1, 86_400))),
      ...opt('downloadLimit', intOption(values, 'download-limit', 0, Number.MAX_SAFE_INTEGER)),
      ...opt('uploadLimit', intOption(values, 'upload-limit', 0, Number.MAX_SAFE_INTEGER)),
      ...opt('webRoot', str(values, 'web')),
    };
    // The DHT listens on the peer port's number (UDP) unless told otherwise, like other clients.
    const dhtValues = values['dht-port'] === undefined ? { ...values, 'dht-port': values['peer-port'] ?? '6881' } : values;
    const warn = (e: Record<string, unknown>): void => console.error(`shoal daemon: ${String(e['message'])}`);
    const d = await startDaemon({ ...o, discovery: discoveryFromFlags(dhtValues, o.dataDir, false, warn) });
    const r = d.restored;
    console.log(`shoal daemon: API ${d.url}/api/v1  Transmission RPC ${d.url}/transmission/rpc  peers on port ${d.peerPort}`);
    console.log(`shoal daemon: ${r.restored} torrents restored in ${Math.round(r.ms)} ms (${r.hashedPieces} pieces hashed${r.failed ? `, ${r.failed} could not be loaded` : ''})`);
    if (d.tokenCreated) console.log(`shoal daemon: API token (shown once; also in ${join(o.dataDir, 'token')}): ${d.token}`);
    return new Promise<number>((resolve) => {
      const stop = (sig: string): void => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        console.error(`shoal daemon: ${sig}, stopping torrents`);
        d.close().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
  },
};
