import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';

export const TOKEN_FILE = 'token';

/**
 * The API token: created at first start (32 random bytes, base64url), stored in
 * `<data>/token` with mode 0600. Returns it and whether it was just created (the caller
 * prints it once).
 */
export async function loadOrCreateToken(dataDir: string): Promise<{ token: string; created: boolean }> {
  const path = join(dataDir, TOKEN_FILE);
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9_-]{20,}$/.test(text)) {
      const st = await stat(path);
      if ((st.mode & 0o077) !== 0) await chmod(path, 0o600);
      return { token: text, created: false };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(path, Buffer.from(token + '\n'), { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, created: true };
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
