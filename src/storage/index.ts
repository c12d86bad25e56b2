export type { Storage, StorageLayout, FileStat } from './interface.js';
export { StorageError } from './errors.js';
export type { StorageReason } from './errors.js';
export { FsStorage } from './fs.js';
export type { FsStorageOptions } from './fs.js';
export { MemoryStorage } from './memory.js';
export { PieceCache, CachedReader, CacheBudget } from './cache.js';
export { writeResume, readResume, encodeResume, decodeResume, snapshotFiles, changedFiles } from './resume.js';
export type { ResumeData, ResumeExpect } from './resume.js';
