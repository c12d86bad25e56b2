// Copies the web UI's static files (index.html, styles.css) next to its compiled modules in
// dist/web. Run after `tsc -p tsconfig.web.json`.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(repo, 'src', 'daemon', 'web');
const to = join(repo, 'dist', 'web');
await mkdir(to, { recursive: true });
for (const name of ['index.html', 'styles.css', 'favicon.svg']) await copyFile(join(from, name), join(to, name));
