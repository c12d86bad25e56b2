// Runs `shoal download` / `shoal seed` (dist/cli/main.js) as real processes for interop,
// adversary and benchmark code. The JSON event names are read through `kindOf`: the one
// place to adjust if src/cli/commands/download.ts names its events differently.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from './cli.js';

let cliMissing: Map<string, string | undefined> | undefined;

/** The engine-API stand-in for the CLI (test/helpers/engine-runner.ts, compiled). */
export const runnerPath = join(repoRoot, 'build', 'test', 'helpers', 'engine-runner.js');

function cliCommandMissing(command: 'download' | 'seed'): string | undefined {
  cliMissing ??= new Map();
  if (!cliMissing.has(command)) {
    const r = spawnSync(process.execPath, [cliPath, command, '--help'], { encoding: 'utf8', timeout: 15_000 });
    cliMissing.set(command, r.status === 0 ? undefined : `\`shoal ${command}\` is not available in dist/cli/main.js yet (build with npx tsc -p tsconfig.build.json): ${(r.stderr || r.stdout || '').trim().split('\n')[0]}`);
  }
  return cliMissing.get(command);
}

/**
 * How shoal is run: 'cli' (dist/cli/main.js, the real command) when it has the command,
 * else 'runner' (the engine API through engine-runner.js) when the engine is built.
 * SHOAL_BACKEND=cli|runner forces one.
 */
export function shoalBackend(command: 'download' | 'seed'): { backend: 'cli' | 'runner' } | { missing: string } {
  const forced = process.env['SHOAL_BACKEND'];
  const cli = forced === 'runner' ? 'forced to the engine runner' : cliCommandMissing(command);
  if (cli === undefined) return { backend: 'cli' };
  if (forced !== 'cli' && existsSync(runnerPath) && existsSync(join(repoRoot, 'build', 'src', 'engine', 'index.js'))) return { backend: 'runner' };
  return { missing: cli };
}

/** Why shoal cannot be run for `command`, or undefined (see shoalBackend). */
export function shoalCommandMissing(command: 'download' | 'seed'): string | undefined {
  const b = shoalBackend(command);
  return 'missing' in b ? b.missing : undefined;
}

export type ShoalEventKind = 'listening' | 'piece' | 'progress' | 'peer' | 'complete' | 'done' | 'error' | 'warning' | 'other';

/** A `--json` line: whatever the engine emits, plus the kind the tests understand. */
export interface ShoalEvent {
  readonly kind: ShoalEventKind;
  readonly raw: Record<string, unknown>;
}

/**
 * Maps a raw `--json` event to a kind (field `event` or `type`). `shoal download --json`
 * emits start, piece, peer, progress, warning, error, complete, done and stopped (see
 * src/cli/commands/download.ts); the engine runner emits the same names plus listening.
 */
export function kindOf(raw: Record<string, unknown>): ShoalEventKind {
  const name = String(raw['event'] ?? raw['type'] ?? '').toLowerCase();
  switch (name) {
    case 'start': // src/cli/commands/download.ts: {event:'start', port, infoHash, …}
    case 'listening':
    case 'listen':
      return 'listening';
    case 'piece':
    case 'verified':
    case 'piece-verified':
      return 'piece';
    case 'progress':
    case 'status':
      return 'progress';
    case 'peer':
    case 'peer-connect':
    case 'peer-disconnect':
    case 'connect':
    case 'disconnect':
      return 'peer';
    case 'complete': // every piece verified and written; 'done' follows once flushed to disk
      return 'complete';
    case 'done':
    case 'completed':
    case 'finished':
      return 'done';
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    default:
      return 'other';
  }
}

export interface ShoalDownloadOptions {
  out: string;
  peers?: string[];
  port?: number;
  seed?: boolean;
  maxPeers?: number;
  select?: number[];
  sequential?: boolean;
  /** Default true: --json, so events can be awaited. */
  json?: boolean;
  extraArgs?: string[];
  /** Added to the environment. */
  env?: Record<string, string>;
}

export class ShoalProc {
  readonly events: ShoalEvent[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: { pred: (e: ShoalEvent) => boolean; resolve: (e: ShoalEvent) => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly args: string[],
    /** The script run: dist/cli/main.js or the engine runner. */
    readonly entry: string,
  ) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      this.stdout += line + '\n';
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return;
      }
      if (raw === null || typeof raw !== 'object') return;
      const ev: ShoalEvent = { kind: kindOf(raw as Record<string, unknown>), raw: raw as Record<string, unknown> };
      this.events.push(ev);
      this.waiters = this.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((res) => child.on('exit', (code, signal) => res(code ?? (signal ? -1 : null))));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Runs `shoal ARGS…` through the backend chosen for ARGS[0] (see shoalBackend), with `env` added to ours. */
  static spawn(args: string[], env?: Record<string, string>): ShoalProc {
    const b = shoalBackend(args[0] === 'seed' ? 'seed' : 'download');
    const entry = 'backend' in b && b.backend === 'runner' ? runnerPath : cliPath;
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env && { env: { ...process.env, ...env } }) });
    return new ShoalProc(child, args, entry);
  }

  /** `shoal download TORRENT -o OUT --json [--peer …]…`. */
  static download(torrent: string, o: ShoalDownloadOptions): ShoalProc {
    const args = ['download', torrent, '-o', o.out];
    for (const p of o.peers ?? []) args.push('--peer', p);
    if (o.port !== undefined) args.push('--port', String(o.port));
    if (o.seed) args.push('--seed');
    if (o.maxPeers !== undefined) args.push('--max-peers', String(o.maxPeers));
    if (o.select) args.push('--select', o.select.join(','));
    if (o.sequential) args.push('--sequential');
    if (o.json ?? true) args.push('--json');
    args.push(...(o.extraArgs ?? []));
    return ShoalProc.spawn(args, o.env);
  }

  /** `shoal seed TORRENT PATH --port N [--peer …]…`; await `listening(port)` before dialing it. */
  static seed(torrent: string, path: string, o: { port: number; peers?: string[] }): ShoalProc {
    const args = ['seed', torrent, path, '--port', String(o.port)];
    for (const p of o.peers ?? []) args.push('--peer', p);
    return ShoalProc.spawn(args);
  }

  /** The next matching event (or one already seen). Rejects if the process exits first. */
  next(pred: (e: ShoalEvent) => boolean): Promise<ShoalEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      void this.exited.then((code) => reject(new Error(`shoal exited (${code}) before the awaited event; stderr: ${this.stderr.trim().slice(-500)}`)));
    });
  }

  /** Exit code once the process ends; a download exits 0 when every selected piece is verified. */
  async finished(): Promise<number | null> {
    return this.exited;
  }

  /** Resolves once something accepts TCP connections on 127.0.0.1:port (shoal seed prints no port). */
  async listening(port: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`shoal exited (${this.child.exitCode}) before listening: ${this.stderr.trim()}`);
      const ok = await new Promise<boolean>((res) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), res(true)));
        s.once('error', () => res(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`shoal did not listen on ${port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGINT (clean stop: announce stopped, write resume), SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGINT', graceMs = 5000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}
