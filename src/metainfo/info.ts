/**
 * The info dictionary (BEP 3, with BEP 47 file attributes and the v1 part of BEP 52 hybrids)
 * turned into the info-only part of a Metainfo. Every limit is checked before anything is
 * allocated from it.
 */
import { createHash } from 'node:crypto';
import { isBytes, isDict, utf8, type BDict, type BList, type BValue } from '../bencode/index.js';
import { InfoHash } from '../core/infohash.js';
import { metainfoError, V2_UNSUPPORTED_MESSAGE } from './errors.js';
import { checkHybrid, type V1File } from './hybrid.js';
import { sanitizePath, sanitizeTorrentName } from './paths.js';
import type { FileEntry, Metainfo } from './types.js';
import { uniquePaths } from './unique.js';

/** The parts of a Metainfo that come from the info dictionary alone. */
export type InfoMetainfo = Omit<Metainfo, 'announce' | 'webSeeds' | 'comment' | 'createdBy' | 'creationDate'>;

/** libtorrent's default max_pieces. */
export const MAX_PIECES = 0x200000;
/** Largest accepted piece length (1 GiB); libtorrent loads 512 MiB - 16 KiB pieces. */
export const MAX_TORRENT_PIECE_LENGTH = 1 << 30;
export const MAX_FILES = 1_000_000;
/** BitComet's pad files before BEP 47: a last component starting with this. */
const LEGACY_PAD_PREFIX = Buffer.from('_____padding_file_');

/** UTF-8 text; short ASCII names (the common case) skip the decoder. */
function text(b: Uint8Array): string {
  if (b.length > 64) return utf8(b);
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return utf8(b);
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

function byteList(v: BValue | undefined): Uint8Array[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.every(isBytes) ? (v as Uint8Array[]) : undefined;
}

interface RawFile {
  rawPath: Uint8Array[];
  length: number;
  attr: string;
  pad: boolean;
  symlink?: Uint8Array[];
}

function readLength(v: BValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw metainfoError('invalid_length', `invalid length of ${what}`, { what });
  }
  return v;
}

function readFileEntry(entry: BValue, index: number): RawFile {
  if (!isDict(entry)) throw metainfoError('invalid_path', `files[${index}] is not a dictionary`, { index });
  const attrRaw = entry.get('attr');
  let attr = isBytes(attrRaw) ? latin1(attrRaw) : '';
  let symlink: Uint8Array[] | undefined;
  if (attr.includes('l')) {
    const sp = entry.get('symlink path');
    if (sp === undefined) attr = attr.replace(/l/g, '');
    else {
      symlink = byteList(sp);
      if (!symlink) throw metainfoError('invalid_path', `files[${index}] has an invalid symlink path`, { index });
    }
  }
  const length = symlink ? 0 : readLength(entry.get('length'), `files[${index}]`);
  const pathRaw = entry.get('path');
  if (pathRaw !== undefined && !byteList(pathRaw)) throw metainfoError('invalid_path', `files[${index}].path is not a list of strings`, { index });
  let rawPath = byteList(entry.get('path.utf-8')) ?? byteList(pathRaw);
  if (rawPath !== undefined && rawPath.length === 0) rawPath = undefined;
  const lastRaw = rawPath?.[rawPath.length - 1];
  const pad = attr.includes('p') || (lastRaw !== undefined && startsWith(lastRaw, LEGACY_PAD_PREFIX));
  if (rawPath === undefined) {
    if (!pad) throw metainfoError('invalid_path', `files[${index}] has no path`, { index });
    rawPath = [Buffer.from('.pad'), Buffer.from(String(length))];
  }
  return { rawPath, length, attr, pad, ...(symlink && { symlink }) };
}

/** Every file path and folder of the torrent, joined with '/'. */
function pathSet(all: readonly (readonly string[])[]): Set<string> {
  const set = new Set<string>();
  for (const p of all) {
    let key = '';
    for (const c of p) {
      key = key === '' ? c : `${key}/${c}`;
      set.add(key);
    }
  }
  return set;
}

/**
 * BEP 47: a symlink target is relative to the torrent root. Some creators wrote it relative
 * to the link's folder instead; like libtorrent, when the root-relative target names nothing
 * in the torrent but the folder-relative one does, the latter is used. Components are
 * sanitized either way, so the target never leaves the torrent folder.
 */
function symlinkTarget(raw: Uint8Array[], link: readonly string[], name: string, known: Set<string>): string[] {
  const target = sanitizePath(raw.map(utf8));
  const rootRel = [name, ...target];
  if (known.has(rootRel.join('/'))) return rootRel;
  const dirRel = [...link.slice(0, -1), ...target];
  return known.has(dirRel.join('/')) ? dirRel : rootRel;
}

/**
 * Reads a decoded info dict. `infoBytes` are its exact bytes; `view` maps a byte string
 * decoded from them to the same bytes inside `infoBytes` (so `pieces` shares its memory).
 */
export function readInfo(info: BDict, infoBytes: Buffer, view: (b: Uint8Array) => Buffer): InfoMetainfo {
  const hasPieces = info.has('pieces');
  const metaVersion = info.get('meta version');
  const v2 = (typeof metaVersion === 'number' && metaVersion >= 2) || info.has('file tree');
  if (v2 && !hasPieces) throw metainfoError('v2_unsupported', V2_UNSUPPORTED_MESSAGE);
  const hybrid = v2 && isDict(info.get('file tree'));

  const infoHash = InfoHash.fromBytes(createHash('sha1').update(infoBytes).digest());

  const nameRaw = info.get('name');
  if (!isBytes(nameRaw)) throw metainfoError('missing_name', 'missing name in torrent file');
  const nameUtf8 = info.get('name.utf-8');
  const nameBytes = isBytes(nameUtf8) ? nameUtf8 : nameRaw;
  if (nameBytes.includes(0)) throw metainfoError('missing_name', 'invalid name in torrent file (contains NUL)');
  const rawName = utf8(nameBytes);
  const name = sanitizeTorrentName(rawName, infoHash.hex);

  const pl = info.get('piece length');
  if (typeof pl !== 'number' || !Number.isSafeInteger(pl) || pl <= 0 || pl > MAX_TORRENT_PIECE_LENGTH) {
    throw metainfoError('missing_piece_length', `invalid or missing 'piece length' (must be 1..${MAX_TORRENT_PIECE_LENGTH})`);
  }
  const pieceLength = pl;

  const filesRaw = info.get('files');
  const multiFile = filesRaw !== undefined;
  let raw: RawFile[];
  if (multiFile) {
    if (!Array.isArray(filesRaw)) throw metainfoError('invalid_path', "'files' is not a list");
    if (filesRaw.length === 0) throw metainfoError('no_files', 'no files in torrent');
    if (filesRaw.length > MAX_FILES) throw metainfoError('too_many_files', `more than ${MAX_FILES} files in torrent`);
    raw = (filesRaw as BList).map(readFileEntry);
  } else {
    const attrRaw = info.get('attr');
    const attr = isBytes(attrRaw) ? latin1(attrRaw).replace(/[lp]/g, '') : '';
    raw = [{ rawPath: [], length: readLength(info.get('length'), 'torrent'), attr, pad: false }];
  }

  let total = 0;
  for (const f of raw) {
    total += f.length;
    if (!Number.isSafeInteger(total)) throw metainfoError('invalid_length', 'total size of torrent too large');
  }
  if (total === 0) throw metainfoError('invalid_length', 'invalid length of torrent (no data)');
  const pieceCount = Math.ceil(total / pieceLength);
  if (pieceCount > MAX_PIECES) throw metainfoError('too_many_pieces', `too many pieces in torrent (${pieceCount} > ${MAX_PIECES})`, { pieceCount });

  const piecesRaw = info.get('pieces');
  if (!isBytes(piecesRaw)) throw metainfoError('missing_pieces', "invalid or missing 'pieces' entry in torrent file");
  if (piecesRaw.length !== pieceCount * 20) {
    throw metainfoError('invalid_hashes', `incorrect number of piece hashes: ${piecesRaw.length} bytes for ${pieceCount} pieces`, { pieceCount });
  }

  const rawStrings = raw.map((f) => f.rawPath.map(text));
  const sanitized = multiFile ? rawStrings.map((p) => [name, ...sanitizePath(p)]) : [[name]];
  const unique = uniquePaths(sanitized, raw.map((f) => f.pad));
  const files: FileEntry[] = [];
  const v1: V1File[] = [];
  let known: Set<string> | undefined;
  let offset = 0;
  for (let i = 0; i < raw.length; i++) {
    const f = raw[i]!;
    const rawPath = multiFile ? [rawName, ...rawStrings[i]!].join('/') : rawName;
    const entry: FileEntry = {
      path: unique[i]!,
      rawPath,
      length: f.length,
      offset,
      pad: f.pad,
      attr: f.attr,
      ...(f.symlink && { symlinkPath: symlinkTarget(f.symlink, unique[i]!, name, (known ??= pathSet(unique))) }),
    };
    files.push(entry);
    if (hybrid && !f.pad) v1.push({ rawPath: f.rawPath.map(latin1), length: f.length, offset });
    offset += f.length;
  }
  if (hybrid) checkHybrid(info, multiFile, latin1(nameRaw), v1, pieceLength);

  return {
    infoHash,
    infoBytes,
    name,
    pieceLength,
    pieces: view(piecesRaw),
    pieceCount,
    totalLength: total,
    multiFile,
    files,
    private: info.get('private') === 1,
    hybrid,
    ...(hybrid && { infoHashV2: createHash('sha256').update(infoBytes).digest() }),
  };
}
