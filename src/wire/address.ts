import { isIPv4, isIPv6 } from 'node:net';

/** Text form of a 4-byte (IPv4) or 16-byte (IPv6, RFC 5952) address; undefined otherwise. */
export function ipToString(b: Uint8Array): string | undefined {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return undefined;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // IPv4-mapped (::ffff:a.b.c.d) is written with its dotted tail, as node prints it.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  // Longest run (>= 2) of zero groups becomes '::', the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  if (best < 0) return g.map(hex).join(':');
  return `${g.slice(0, best).map(hex).join(':')}::${g.slice(best + bestLen).map(hex).join(':')}`;
}

/** Bytes of an IPv4 (4) or IPv6 (16) literal; undefined when `s` is neither. */
export function ipToBytes(s: string): Uint8Array | undefined {
  if (isIPv4(s)) return new Uint8Array(s.split('.').map(Number));
  if (!isIPv6(s) || s.includes('%')) return undefined;
  const out = new Uint8Array(16);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const res: number[] = [];
    for (const p of part.split(':')) {
      if (p.includes('.')) {
        const v4 = p.split('.').map(Number);
        res.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else res.push(parseInt(p, 16));
    }
    return res;
  };
  const dbl = s.indexOf('::');
  const left = groups(dbl >= 0 ? s.slice(0, dbl) : s);
  const right = dbl >= 0 ? groups(s.slice(dbl + 2)) : [];
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}
