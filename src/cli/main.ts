#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { shoalVersion } from '../core/version.js';
import { isShoalError } from '../core/errors.js';
import { UsageError, type Command, type ParsedValues } from './command.js';
import { commands } from './commands/index.js';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: shoal <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `shoal <command> --help` for the options of one command.',
    'shoal --version prints the version.',
  ].join('\n');
}

async function runCommand(cmd: Command, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${cmd.usage.trimEnd()}\n`);
    return 0;
  }
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: cmd.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    // parseArgs' messages are already one line ("Unknown option '--x'…").
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  return cmd.run(parsed.values, parsed.positionals);
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0]) {
      const entry = commands.find((c) => c.name === rest[0]);
      if (entry) {
        process.stdout.write(`${(await entry.load()).usage.trimEnd()}\n`);
        return 0;
      }
    }
    process.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(`shoal ${shoalVersion()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) throw new UsageError(`unknown command '${first}' (see shoal --help)`);
  const cmd = await entry.load();
  try {
    return await runCommand(cmd, rest);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message}\nusage: ${cmd.usage.split('\n')[0]!.replace(/^usage:\s*/, '')}`);
    throw e;
  }
}

process.on('unhandledRejection', (e) => fail(e));

function fail(e: unknown): never {
  if (e instanceof UsageError) {
    process.stderr.write(`shoal: ${e.message}\n`);
    process.exit(2);
  }
  if (isShoalError(e)) {
    process.stderr.write(`shoal: ${e.message}\n`);
    if (process.env.SHOAL_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  }
  const err = e as NodeJS.ErrnoException;
  // System errors that reach here are still user-facing conditions (disk full, permission).
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.syscall) {
    process.stderr.write(`shoal: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`shoal: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.SHOAL_DEBUG) process.stderr.write(`${err?.stack}\n`);
  else process.stderr.write('shoal: set SHOAL_DEBUG=1 for details\n');
  process.exit(70);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => fail(e),
);
