import type { ParseArgsConfig } from 'node:util';

/** Parsed options as node's util.parseArgs returns them. */
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * One `shoal` sub-command. main.ts parses argv with `options` (strict, so unknown flags are
 * a one-line usage error), then calls `run`. `run` returns the exit code; a thrown
 * ShoalError becomes "shoal: <message>" with exit code 1 and never a stack trace.
 */
export interface Command {
  readonly name: string;
  /** Usage text for `shoal NAME --help` (synopsis and option list). */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(values: ParsedValues, positionals: string[]): Promise<number>;
}

/** A usage mistake (bad flag value, missing argument): printed with a hint, exit code 2. */
export class UsageError extends Error {}

/**
 * What `shoal --help` lists. A command's module is imported only when that command runs,
 * so `shoal create` does not pay for loading the engine, the daemon and the tracker.
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for `shoal --help`. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}
