/**
 * Safe paths from metadata (DESIGN.md, security rules). Every component of a path read from
 * a torrent goes through `sanitizePathComponent`; `resolveInside` is the last check before a
 * path touches the disk.
 *
 * The rule, after libtorrent's sanitize_path tests where they make sense:
 * - '/' and '\' inside a component are dropped ('/a/' -> 'a', 'abc/../def' -> 'abc..def');
 * - control characters (C0, DEL, C1) become '_'; Unicode format characters (bidi marks,
 *   zero-width joiners, BOM: category Cf) are dropped; invalid UTF-8 (U+FFFD after
 *   decoding) becomes one '_' per run;
 * - a drive-letter prefix ('C:') has its colon replaced: 'C_' (on every platform);
 * - on Windows also: <>:"|?* become '_', trailing dots and spaces are stripped, and
 *   reserved device names (CON, NUL, COM1, …) get a '_' prefix;
 * - a component that ends up empty, '.' or '..' becomes '_' (never dropped, so every file
 *   keeps its depth and no two components merge);
 * - a component longer than 240 UTF-8 bytes is cut at a character boundary, keeping a short
 *   extension (at most 8 bytes), so it stays within the 255-byte NAME_MAX even with a
 *   duplicate suffix.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UnsafePathError } from './errors.js';

export interface SanitizeOptions {
  /** Apply the Windows rules too. Default: process.platform === 'win32'. */
  readonly windows?: boolean;
}

const MAX_COMPONENT_BYTES = 240;
const MAX_EXTENSION_BYTES = 8;
const FORMAT_CHAR = /\p{Cf}/u;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$)(\..*)?$/i;
const WINDOWS_BAD = '<>:"|?*';

const isWindows = (opts?: SanitizeOptions): boolean => opts?.windows ?? process.platform === 'win32';

/** Any character the loop below would change (lone surrogates match only when unpaired). */
const NEEDS_FILTER = /[\x00-\x1f\x7f-\x9f/\\\ufffd\ud800-\udfff\p{Cf}]/u;

/** Applies the character rules only; the result may be '', '.' or '..'. */
function filterComponent(s: string, windows: boolean): string {
  let out = !NEEDS_FILTER.test(s) && !(windows && /[<>:"|?*]/.test(s)) ? s : filterChars(s, windows);
  if (!windows && out.length >= 2 && out[1] === ':' && /^[A-Za-z]$/.test(out[0]!)) out = `${out[0]}_${out.slice(2)}`;
  if (windows) {
    out = out.replace(/[. ]+$/, '');
    if (WINDOWS_RESERVED.test(out)) out = `_${out}`;
  }
  return out;
}

function filterChars(s: string, windows: boolean): string {
  let out = '';
  let inBadRun = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x2f || cp === 0x5c) continue;
    if (cp === 0xfffd || (cp >= 0xd800 && cp <= 0xdfff)) {
      if (!inBadRun) out += '_';
      inBadRun = true;
      continue;
    }
    inBadRun = false;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) out += '_';
    else if (cp >= 0x80 && FORMAT_CHAR.test(ch)) continue;
    else if (windows && WINDOWS_BAD.includes(ch)) out += '_';
    else out += ch;
  }
  return out;
}

function truncate(s: string): string {
  if (s.length * 3 <= MAX_COMPONENT_BYTES || Buffer.byteLength(s, 'utf8') <= MAX_COMPONENT_BYTES) return s;
  const dot = s.lastIndexOf('.');
  let ext = dot > 0 ? s.slice(dot) : '';
  if (Buffer.byteLength(ext, 'utf8') > MAX_EXTENSION_BYTES) ext = '';
  const base = ext === '' ? s : s.slice(0, dot);
  let bytes = 0;
  let end = 0;
  for (const ch of base) {
    if (bytes >= MAX_COMPONENT_BYTES) break;
    bytes += Buffer.byteLength(ch, 'utf8');
    end += ch.length;
  }
  return base.slice(0, end) + ext;
}

/** Printable ASCII without separators, and not starting with a drive letter: already safe. */
const PLAIN = /^(?![A-Za-z]:)[\x20-\x2e\x30-\x5b\x5d-\x7e]{1,240}$/;

/** One safe, non-empty file or folder name (see the rule at the top of this file). */
export function sanitizePathComponent(s: string, opts?: SanitizeOptions): string {
  const windows = isWindows(opts);
  if (!windows && s !== '.' && s !== '..' && PLAIN.test(s)) return s;
  const f = filterComponent(s, windows);
  if (f === '' || f === '.' || f === '..') return '_';
  return truncate(f);
}

/** Sanitizes every component; the result has the same number of components. */
export function sanitizePath(components: readonly string[], opts?: SanitizeOptions): string[] {
  return components.map((c) => sanitizePathComponent(c, opts));
}

/**
 * A torrent's name as one component: like `sanitizePathComponent`, but a name that is empty,
 * '.' or '..' after filtering becomes `fallback` (the hex info-hash, as libtorrent does).
 */
export function sanitizeTorrentName(s: string, fallback: string, opts?: SanitizeOptions): string {
  const f = filterComponent(s, isWindows(opts));
  if (f === '' || f === '.' || f === '..') return fallback;
  return truncate(f);
}

/** True when `c` is already a safe single component (what sanitizePathComponent yields). */
export function isSafeComponent(c: string, opts?: SanitizeOptions): boolean {
  if (c === '' || c === '.' || c === '..') return false;
  if (/[/\\\0]/.test(c)) return false;
  if (isWindows(opts) && /[:<>"|?*]/.test(c)) return false;
  return true;
}

/**
 * Joins `components` under `root` and returns the absolute path. Throws UnsafePathError
 * (code 'EUNSAFE_PATH') unless every component is a safe single name and the result lies
 * strictly inside root. This is a lexical check: callers that open files must still refuse
 * to follow symlinks out of root.
 */
export function resolveInside(root: string, components: readonly string[]): string {
  const base = resolve(root);
  if (components.length === 0) throw new UnsafePathError('empty path', { path: base });
  for (const c of components) {
    if (typeof c !== 'string' || !isSafeComponent(c)) {
      throw new UnsafePathError(`unsafe path component ${JSON.stringify(c)}`, { path: components.join('/') });
    }
  }
  const full = resolve(base, ...components);
  const rel = relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new UnsafePathError(`path escapes ${base}`, { path: components.join('/') });
  }
  return full;
}

/**
 * A file's path below the torrent's own folder: `file.path` without the leading name for a
 * multi-file torrent, the file name itself for a single-file one (what `shoal info` shows).
 */
export function torrentRelativePath(meta: { readonly multiFile: boolean }, file: { readonly path: readonly string[] }): readonly string[] {
  return meta.multiFile ? file.path.slice(1) : file.path;
}
