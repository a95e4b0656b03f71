// Seeded, bounded fuzzing of the reader: real MSD files with bytes flipped, zeroed, overwritten or
// cut at random offsets (biased to the first 16 KB, where headers, B-trees and heaps live), plus the
// 3-song PyTables aggregate fixture. Every case must parse or throw an MsdFormatError naming the
// file; a worker parses so a hang is caught.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { Rng, startWorker } from '@timbre/tensor';
import { H5_ROOT, listH5 } from './msd-helpers.js';
import type { FuzzReply } from './msd-fuzz-worker.js';

const CASES = 400;
const HANG_MS = 30_000; // a watchdog for hangs, not a speed assertion: one case takes milliseconds

let worker: Worker | null = null;
afterAll(async () => {
  await worker?.terminate();
});

function mutate(src: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string } {
  const bytes = new Uint8Array(src);
  const at = rng.uniform() < 0.6 ? rng.int(Math.min(bytes.length, 16384)) : rng.int(bytes.length);
  switch (rng.int(4)) {
    case 0: {
      const k = 1 + rng.int(8);
      for (let i = 0; i < k; i++) bytes[Math.min(bytes.length - 1, at + rng.int(64))] ^= 1 << rng.int(8);
      return { bytes, how: `flip ${k} bits near ${at}` };
    }
    case 1: {
      const n = 1 + rng.int(64);
      bytes.fill(0, at, at + n);
      return { bytes, how: `zero ${n} bytes at ${at}` };
    }
    case 2:
      return { bytes: bytes.slice(0, at), how: `cut at ${at}` };
    default: {
      const n = 1 + rng.int(4);
      for (let i = 0; i < n; i++) bytes[Math.min(bytes.length - 1, at + i)] = rng.int(256);
      return { bytes, how: `overwrite ${n} bytes at ${at}` };
    }
  }
}

describe('reader fuzz', () => {
  it(`${CASES} corrupted real files: no hang, no crash, only MsdFormatErrors naming the file`, { timeout: 300_000 }, async () => {
    const rng = new Rng(20261126);
    const files = listH5(H5_ROOT);
    const sources = Array.from({ length: 11 }, () => files[rng.int(files.length)]).map((p) => readFileSync(p));
    sources.push(readFileSync(new URL('./fixtures/msd-aggregate.h5', import.meta.url))); // multi-song tables, idx slicing
    const w = startWorker(new URL('./msd-fuzz-worker.ts', import.meta.url));
    worker = w;
    const counts: Record<FuzzReply['kind'], number> = { ok: 0, 'msd-error': 0, 'other-error': 0, 'non-error': 0 };
    const bad: string[] = [];
    for (let k = 0; k < CASES; k++) {
      const { bytes, how } = mutate(sources[rng.int(sources.length)], rng);
      const name = `fuzz-${k}.h5`;
      const reply = await new Promise<FuzzReply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`case ${k} (${how}): no answer in ${HANG_MS} ms (hang?)`)), HANG_MS);
        w.once('message', (r: FuzzReply) => {
          clearTimeout(timer);
          resolve(r);
        });
        w.once('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`case ${k} (${how}): worker crashed: ${e.message}`));
        });
        w.postMessage({ k, name, bytes }, [bytes.buffer as ArrayBuffer]);
      });
      w.removeAllListeners('error');
      expect(reply.k).toBe(k);
      counts[reply.kind]++;
      if (reply.kind !== 'ok' && reply.kind !== 'msd-error') bad.push(`case ${k} (${how}): ${reply.kind}: ${reply.message}`);
      if (reply.kind === 'msd-error' && !reply.message.startsWith(`msd: ${name}: `)) bad.push(`case ${k}: unnamed: ${reply.message}`);
    }
    expect(bad).toEqual([]);
    // the mutations must actually exercise the error paths
    expect(counts['msd-error']).toBeGreaterThan(CASES / 4);
    // and some files must still read: a reader that refused every file would pass the checks above
    expect(counts.ok).toBeGreaterThan(CASES / 20);
    expect(counts.ok + counts['msd-error']).toBe(CASES);
  });
});
