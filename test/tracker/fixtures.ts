// Builds small valid .torrent files with shoal's own bencode encoder.
import { createHash } from 'node:crypto';
import { encode } from '../../src/bencode/encode.js';

export function makeTorrent(name: string, data: Buffer, pieceLength = 16384, announce = 'http://127.0.0.1:6969/announce'): { torrent: Buffer; infoHash: Buffer } {
  const pieces: Buffer[] = [];
  for (let o = 0; o < data.length; o += pieceLength) pieces.push(createHash('sha1').update(data.subarray(o, o + pieceLength)).digest());
  const info = { length: data.length, name, 'piece length': pieceLength, pieces: Buffer.concat(pieces) };
  const infoBytes = encode(info);
  return { torrent: encode({ announce, info }), infoHash: createHash('sha1').update(infoBytes).digest() };
}
