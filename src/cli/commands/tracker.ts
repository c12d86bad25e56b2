import { isShoalError } from '../../core/errors.js';
import { startTracker, type TrackerOptions } from '../../tracker/server/index.js';
import { UsageError, type Command, type ParsedValues } from '../command.js';

function str(v: ParsedValues[string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function port(v: ParsedValues[string], flag: string): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) throw new UsageError(`--${flag} needs a port number 0..65535, got ${JSON.stringify(s)}`);
  return Number(s);
}

function seconds(v: ParsedValues[string], flag: string): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^\d{1,7}$/.test(s) || Number(s) < 1) throw new UsageError(`--${flag} needs a whole number of seconds >= 1, got ${JSON.stringify(s)}`);
  return Number(s);
}

function hostPort(host: string, p: number): string {
  return host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`;
}

export const trackerCommand: Command = {
  name: 'tracker',
  usage: `shoal tracker [--host 0.0.0.0] [--http PORT] [--udp PORT] [--store memory|redis://HOST:PORT]
              [--allow FILE | --deny FILE] [--announce-interval SECONDS]
              [--catalog-token TOKEN] [--no-full-scrape]

Serves HTTP announce/scrape (BEP 3, 23, 7, 48) and UDP announce/scrape (BEP 15).
With neither --http nor --udp, both listen on 6969; with one, only that one.

  --host ADDR               address to bind (default 0.0.0.0)
  --http PORT               HTTP port (0: any free port)
  --udp PORT                UDP port (0: any free port)
  --store memory|redis://H:P  swarm store; redis lets several trackers share swarms
  --allow FILE              serve only these info-hashes (hex, one per line)
  --deny FILE               refuse these info-hashes
  --announce-interval SECS  interval sent to clients (default 1800); peers expire after 1.5x
  --catalog-token TOKEN     require "Authorization: Bearer TOKEN" for POST /torrents
  --no-full-scrape          refuse /scrape without info_hash

Signals: SIGINT/SIGTERM close cleanly; SIGHUP reloads the allow/deny list.`,
  options: {
    host: { type: 'string' },
    http: { type: 'string' },
    udp: { type: 'string' },
    store: { type: 'string' },
    allow: { type: 'string' },
    deny: { type: 'string' },
    'announce-interval': { type: 'string' },
    'catalog-token': { type: 'string' },
    'no-full-scrape': { type: 'boolean' },
  },

  async run(values: ParsedValues, positionals: string[]): Promise<number> {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const allow = str(values['allow']);
    const deny = str(values['deny']);
    if (allow !== undefined && deny !== undefined) throw new UsageError('use --allow or --deny, not both');
    const store = str(values['store']) ?? 'memory';
    if (store !== 'memory' && !/^rediss?:\/\/./.test(store)) throw new UsageError(`--store must be memory or redis://HOST:PORT, got ${JSON.stringify(store)}`);
    let http = port(values['http'], 'http');
    let udp = port(values['udp'], 'udp');
    if (http === undefined && udp === undefined) http = udp = 6969;
    const opts: TrackerOptions = {
      host: str(values['host']) ?? '0.0.0.0',
      http: http ?? false,
      udp: udp ?? false,
      store,
      allowFile: allow,
      denyFile: deny,
      announceInterval: seconds(values['announce-interval'], 'announce-interval'),
      catalogToken: str(values['catalog-token']),
      fullScrape: values['no-full-scrape'] !== true,
    };
    const t = await startTracker(opts);
    if (t.httpPort !== undefined) console.log(`listening http://${hostPort(t.host, t.httpPort)}/announce`);
    if (t.udpPort !== undefined) console.log(`listening udp://${hostPort(t.host, t.udpPort)}/announce`);

    return new Promise<number>((resolve) => {
      const stop = (sig: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        process.off('SIGHUP', onHup);
        console.error(`shoal tracker: ${sig}, closing`);
        t.close().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      const onHup = () => {
        t.reloadAccessList().then(
          (n) => console.error(allow !== undefined || deny !== undefined ? `shoal tracker: reloaded ${n} info-hashes from ${allow ?? deny}` : 'shoal tracker: SIGHUP (no allow/deny list to reload)'),
          (e: unknown) => console.error(`shoal tracker: reload failed, keeping the old list: ${isShoalError(e) ? e.message : String(e)}`),
        );
      };
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      process.on('SIGHUP', onHup);
    });
  },
};
