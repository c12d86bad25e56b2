// Waits until a peer on 127.0.0.1:port answers a BitTorrent handshake for `infoHash`.
// libtorrent accepts TCP at once but hangs up on every incoming peer ("no active torrents")
// for about a second after its torrent is added, even in seed mode; probing avoids racing that.
import { connect } from 'node:net';
import { encodeHandshake, HANDSHAKE_LENGTH } from '../../src/wire/handshake.js';

function probe(port: number, infoHash: Uint8Array): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    let got = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      res(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    s.once('connect', () => {
      const id = Buffer.alloc(20, 0x30);
      id.write('-PR0001-', 0, 'latin1');
      s.write(encodeHandshake({ infoHash, peerId: id }));
    });
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= HANDSHAKE_LENGTH) done(true);
    });
    s.once('error', () => done(false));
    s.once('close', () => done(got >= HANDSHAKE_LENGTH));
  });
}

/** Resolves once the peer answers a handshake; rejects after `timeoutMs`. */
export async function waitHandshake(port: number, infoHash: Uint8Array, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe(port, infoHash))) {
    if (Date.now() > deadline) throw new Error(`no handshake from 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
