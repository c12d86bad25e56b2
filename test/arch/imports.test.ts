// Keeps the import arrows of shared/DESIGN.md true: every relative import in src/ must go
// to the same folder or to a folder that the importing folder may depend on (directly or
// through the layers below it), and the low layers use no npm packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const src = join(repo, 'src');

/** Direct arrows; a layer may also use whatever its dependencies may use. */
const ARROWS: Record<string, string[]> = {
  core: [],
  bencode: ['core'],
  metainfo: ['bencode', 'core'],
  wire: ['bencode', 'core'],
  'tracker/protocol': ['bencode', 'core'],
  'tracker/client': ['tracker/protocol'],
  'tracker/server': ['tracker/protocol', 'metainfo'],
  storage: ['metainfo'],
  dht: ['bencode', 'core'],
  engine: ['core', 'bencode', 'metainfo', 'wire', 'tracker/protocol', 'tracker/client', 'storage', 'dht'],
  daemon: ['engine', 'tracker/client'],
  cli: ['engine', 'daemon', 'tracker/server'],
  '': ['cli', 'daemon', 'engine', 'tracker/server'],
};
/** Layers that must run on node builtins alone. */
const NO_PACKAGES = new Set(['core', 'bencode', 'metainfo', 'wire', 'tracker/protocol', 'storage', 'dht']);

function closure(layer: string, seen = new Set<string>()): Set<string> {
  for (const dep of ARROWS[layer] ?? []) {
    if (!seen.has(dep)) {
      seen.add(dep);
      closure(dep, seen);
    }
  }
  return seen;
}

function layerOf(file: string): string {
  const rel = relative(src, file).split('/');
  if (rel.length === 1) return '';
  if (rel[0] === 'tracker') return `tracker/${rel[1]}`;
  return rel[0]!;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('imports in src/ follow the layer arrows of DESIGN.md', () => {
  const problems: string[] = [];
  const files = walk(src);
  assert.ok(files.length > 10, 'found the source files');
  for (const file of files) {
    const layer = layerOf(file);
    assert.ok(layer in ARROWS, `${relative(repo, file)} is in an unknown folder (add it to DESIGN.md and this test)`);
    const allowed = closure(layer);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), spec));
        if (target !== layer && !allowed.has(target)) problems.push(`${relative(repo, file)} (${layer || 'root'}) imports ${spec} (${target || 'root'})`);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec) && NO_PACKAGES.has(layer)) {
        problems.push(`${relative(repo, file)} (${layer}) imports the package ${spec}; this layer uses node builtins only`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('library code does not print (only cli/ and daemon/ may)', () => {
  const offenders = walk(src)
    .filter((f) => !['cli', 'daemon'].includes(layerOf(f)))
    .filter((f) => /\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(repo, f));
  assert.deepEqual(offenders, []);
});
