import type { CommandEntry } from '../command.js';

/** Every sub-command, in the order `shoal --help` lists them; modules load on use. */
export const commands: readonly CommandEntry[] = [
  { name: 'create', summary: 'make a .torrent from a file or a folder (hashes on every core)', load: async () => (await import('./create.js')).createCommand },
  { name: 'info', summary: 'show what a .torrent file or magnet link describes', load: async () => (await import('./info.js')).infoCommand },
  { name: 'verify', summary: "check data on disk against a .torrent's piece hashes", load: async () => (await import('./verify.js')).verifyCommand },
  { name: 'download', summary: 'download a torrent from its trackers and peers, verifying every piece', load: async () => (await import('./download.js')).downloadCommand },
  { name: 'seed', summary: 'check data against a .torrent and seed it until Ctrl-C', load: async () => (await import('./seed.js')).seedCommand },
  { name: 'tracker', summary: 'run a BitTorrent tracker (HTTP and UDP announce/scrape, catalog, stats)', load: async () => (await import('./tracker.js')).trackerCommand },
  { name: 'daemon', summary: 'run many torrents with a JSON API and Transmission-compatible RPC', load: async () => (await import('./daemon.js')).daemonCommand },
];
