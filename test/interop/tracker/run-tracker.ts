// Runs `shoal tracker` through its Command object (independent of main.ts wiring), for tests
// and benchmarks: node build/test/interop/tracker/run-tracker.js [tracker flags…]
import { parseArgs } from 'node:util';
import { trackerCommand } from '../../../src/cli/commands/tracker.js';
import type { ParsedValues } from '../../../src/cli/command.js';

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: trackerCommand.options, allowPositionals: true, strict: true });
trackerCommand.run(values as ParsedValues, positionals).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`shoal: ${(e as Error).message}`);
    process.exit(1);
  },
);
