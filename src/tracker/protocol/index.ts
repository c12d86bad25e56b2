// Tracker protocol codecs (sans-IO), shared by the tracker client and server.
export * from './errors.js';
export * from './compact.js';
export * from './query.js';
export * from './announce.js';
export * from './http-response.js';
export * from './udp.js';
