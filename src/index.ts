// Public library entry point: `import { … } from 'shoal'`.
export { ShoalError, isShoalError } from './core/errors.js';
export { InfoHash } from './core/infohash.js';
export { Bitfield } from './core/bitfield.js';
export * as bencode from './bencode/index.js';
export * as wire from './wire/index.js';
export * as storage from './storage/index.js';
