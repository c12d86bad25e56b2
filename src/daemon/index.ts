export { startDaemon } from './daemon.js';
export type { Daemon, DaemonOptions } from './daemon.js';
export { ApiError, API_STATUS } from './errors.js';
export type { ApiCode } from './errors.js';
export { TorrentManager } from './manager.js';
export type { AddRequest, DaemonEvent, ManagerOptions } from './manager.js';
export type { Priority, TorrentRecord } from './store.js';
export type { Health, Summary } from './describe.js';
