export { Announcer } from './announcer.js';
export type { AnnouncerOptions, TrackerStatus, TransferStats } from './announcer.js';
export { HttpTrackerTransport } from './http.js';
export { UdpTrackerTransport } from './udp.js';
export type { UdpTransportOptions } from './udp.js';
export { TrackerClientError } from './errors.js';
export type { AnnounceResult, ScrapeResult, RequestOptions, TrackerTransport } from './types.js';
