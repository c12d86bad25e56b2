import type { Metainfo } from '../../metainfo/types.js';
import { WebSeedError } from './errors.js';

type UrlMeta = Pick<Metainfo, 'multiFile' | 'files'>;

/** Checks a web seed URL: absolute http(s). Throws WebSeedError('url'). */
export function checkSeedUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WebSeedError('url', `not a URL: ${url}`, { url });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WebSeedError('url', `web seeds must be http or https: ${url}`, { url });
  return u;
}

/** Percent-encodes one path component (everything but RFC 3986 unreserved characters and !'()*). */
export function encodeComponent(s: string): string {
  return encodeURIComponent(s);
}

/**
 * The URL of file `fileIndex` on web seed `base` (BEP 19):
 * - single-file torrent: `base` is the file itself, unless it ends with '/': then the
 *   torrent's name is appended;
 * - multi-file torrent: `base` + '/' (when missing) + name + '/' + path, every component
 *   percent-encoded. A multi-file torrent holding one file with a `base` not ending in '/'
 *   treats `base` as that file (what libtorrent does).
 * Components come from the metainfo as written (`rawPath`), not from the sanitized
 * on-disk path: the server has the original names.
 */
export function fileUrl(base: string, meta: UrlMeta, fileIndex: number): string {
  const f = meta.files[fileIndex];
  if (f === undefined) throw new WebSeedError('url', `no file ${fileIndex}`, { fileIndex });
  const slash = base.endsWith('/');
  if (!slash && (!meta.multiFile || meta.files.length === 1)) return base;
  return (slash ? base : `${base}/`) + f.rawPath.split('/').map(encodeComponent).join('/');
}
