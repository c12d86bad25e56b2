import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_SLICE, writeSliced } from '../../src/storage/write-slices.js';

test('writeSliced writes every byte at its position, whatever the size against the slice', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-slices-'));
  try {
    for (const [size, slice] of [
      [0, 1000],
      [1, 1000],
      [999, 1000],
      [1000, 1000],
      [1001, 1000],
      [10_007, 1000],
      [(1 << 20) + 7, WRITE_SLICE],
    ] as const) {
      const path = join(dir, `f-${size}-${slice}`);
      const fd = openSync(path, 'w+');
      const data = randomBytes(size);
      const at = 12_345;
      try {
        await writeSliced(fd, data, at, slice);
      } finally {
        closeSync(fd);
      }
      const back = readFileSync(path);
      assert.equal(back.length, size === 0 ? 0 : at + size, `size ${size}`);
      if (size > 0) assert.ok(back.subarray(at).equals(data), `size ${size}, slice ${slice}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeSliced rejects once every slice has settled when the writes fail', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-slices-'));
  try {
    const path = join(dir, 'ro');
    closeSync(openSync(path, 'w'));
    const fd = openSync(path, 'r'); // read-only: every pwrite fails with EBADF
    try {
      await assert.rejects(writeSliced(fd, randomBytes(5000), 0, 1000), (e: NodeJS.ErrnoException) => e.code === 'EBADF');
    } finally {
      closeSync(fd);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
