import type { IncomingMessage, ServerResponse } from 'node:http';
import { summary } from './describe.js';
import type { DaemonEvent, TorrentManager } from './manager.js';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: `event: hello` with every torrent's summary, then one event per
 * daemon event (`added`, `removed`, `state`, `progress`, `done`, `error`, `share`), each
 * `data:` a JSON object; a comment line every 15 s keeps proxies from timing out.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, m: TorrentManager): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'keep-alive',
  });
  let n = 0;
  const send = (type: string, data: unknown): void => {
    res.write(`id: ${++n}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  send('hello', { torrents: m.list().map(summary) });
  const onEvent = (ev: DaemonEvent): void => send(ev.type, ev);
  m.on('event', onEvent);
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  beat.unref();
  const end = (): void => {
    clearInterval(beat);
    m.off('event', onEvent);
  };
  req.on('close', end);
  res.on('close', end);
}
