export { WebSeeds, MAX_WEB_SEEDS } from './feature.js';
export { WebSeedError } from './errors.js';
export type { WebSeedReason } from './errors.js';
export { fileUrl } from './url.js';
export type { WebSeedHost, WebSeedInfo, WebSeedOptions, WebSeedState } from './types.js';
