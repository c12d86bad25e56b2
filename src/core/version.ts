import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * shoal's version, read once from the package.json above this module (the same code runs
 * from dist/ and from the deeper build/ tree, so it looks upward). '' when not found.
 */
export function shoalVersion(): string {
  if (cached !== undefined) return cached;
  cached = '';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'shoal' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // not here; look one folder up
    }
    dir = dirname(dir);
  }
  return cached;
}
