import { join } from 'node:path';
import { DhtDiscovery, defaultDhtBootstrap, parseNodeAddress } from '../../engine/dht-discovery.js';
import type { PeerDiscovery } from '../../engine/discovery.js';
import { LsdDiscovery } from '../../engine/lsd.js';
import { UsageError, type ParsedValues } from '../command.js';
import { intOption, list } from './args.js';

/** The DHT flags of `download`, `seed` and `daemon`. */
export const DHT_USAGE = `      --no-dht            do not use the DHT (on by default; always off for private torrents)
      --dht-port N        UDP port for the DHT (default: any free port)
      --dht-bootstrap HOST:PORT
                          DHT node to start from (repeatable; default: the well-known
                          routers; the routing table is kept in .shoal/dht.dat
                          beside the data)`;
export const DHT_OPTIONS = {
  dht: { type: 'boolean' },
  'no-dht': { type: 'boolean' },
  'dht-port': { type: 'string' },
  'dht-bootstrap': { type: 'string', multiple: true },
} as const;

/** The LSD flags of `download`, `seed` and `daemon` (BEP 14 local service discovery). */
export const LSD_USAGE = `      --no-lsd            do not announce on / listen to the local network (BEP 14
                          multicast; on by default, always off for private torrents)`;
export const LSD_OPTIONS = { lsd: { type: 'boolean' }, 'no-lsd': { type: 'boolean' } } as const;

/** The LSD peer source the flags ask for (undefined when off or for a private torrent). */
export function lsdFromFlags(values: ParsedValues, isPrivate: boolean, emit: (o: Record<string, unknown>) => void): LsdDiscovery | undefined {
  if (values.lsd === true && values['no-lsd'] === true) throw new UsageError('--lsd and --no-lsd contradict each other');
  if (values['no-lsd'] === true || isPrivate) return undefined;
  return new LsdDiscovery({ onWarning: (message) => emit({ event: 'warning', message }) });
}

/** The DHT peer source the flags ask for (undefined when off or for a private torrent). */
export function dhtFromFlags(values: ParsedValues, dir: string, isPrivate: boolean, emit: (o: Record<string, unknown>) => void): DhtDiscovery | undefined {
  if (values.dht === true && values['no-dht'] === true) throw new UsageError('--dht and --no-dht contradict each other');
  const dhtPort = intOption(values, 'dht-port', 0, 65535);
  const bootstrap = list(values, 'dht-bootstrap');
  for (const b of bootstrap) if (!parseNodeAddress(b)) throw new UsageError(`--dht-bootstrap: expected HOST:PORT (IPv6 as [::1]:6881), got ${b}`);
  if (values['no-dht'] === true || isPrivate) return undefined;
  return new DhtDiscovery({
    port: dhtPort ?? 0,
    bootstrap: bootstrap.length > 0 ? bootstrap : defaultDhtBootstrap(process.env),
    statePath: join(dir, '.shoal', 'dht.dat'),
    onWarning: (message) => emit({ event: 'warning', message: `dht: ${message}` }),
  });
}

/**
 * The peer sources (DHT, LSD) the flags of `download`, `seed` and `daemon` ask for: none for
 * a private torrent. Flag errors are usage errors, checked either way.
 */
export function discoveryFromFlags(values: ParsedValues, dir: string, isPrivate: boolean, emit: (o: Record<string, unknown>) => void): PeerDiscovery[] {
  const lsd = lsdFromFlags(values, isPrivate, emit);
  const dht = dhtFromFlags(values, dir, isPrivate, emit);
  return [...(dht ? [dht] : []), ...(lsd ? [lsd] : [])];
}
