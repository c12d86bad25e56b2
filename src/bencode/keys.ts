/**
 * Dict keys as latin1 strings (one char per byte), with a small cache so the keys that
 * repeat in a torrent or a tracker reply (`length`, `path`, `peers`…) are not rebuilt and
 * re-hashed for every dict. The cache holds at most KEY_CACHE_SIZE short strings.
 */

const KEY_CACHE_SIZE = 1024; // power of two
const MAX_CACHED_KEY = 32;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('');

/** The latin1 string of buf[p, p + n). */
export function latin1Key(buf: Uint8Array, p: number, n: number): string {
  if (n > MAX_CACHED_KEY) return latin1Long(buf, p, n);
  let h = n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ buf[p + i]!, 0x01000193);
  const slot = (h ^ (h >>> 13)) & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot]!;
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === buf[p + i]) i++;
    if (i === n) return cached;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[p + i]!);
  keyCache[slot] = s;
  return s;
}

function latin1Long(buf: Uint8Array, p: number, n: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + p, n).toString('latin1');
}
