// DataLoader: seeded shuffling, drop-last, every row exactly once, reused buffers.
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, arange } from '@timbre/tensor';
import { DataLoader } from '../src/index.js';

const N = 10;
const x = arange(N * 2).reshape([N, 2]); // row i = [2i, 2i+1]
const y = Int32Array.from({ length: N }, (_, i) => 100 + i);

function epoch(loader: DataLoader<Int32Array>): { rows: number[]; sizes: number[]; xs: Tensor[] } {
  const rows: number[] = [],
    sizes: number[] = [],
    xs: Tensor[] = [];
  for (const b of loader) {
    sizes.push(b.size);
    xs.push(b.x);
    for (let i = 0; i < b.size; i++) {
      const r = b.x.data[i * 2] / 2;
      expect(b.x.data[i * 2 + 1]).toBe(2 * r + 1);
      expect(b.y[i]).toBe(100 + r); // x and y stay paired
      rows.push(r);
    }
  }
  return { rows, sizes, xs };
}

describe('DataLoader', () => {
  it('without shuffle yields rows in order with a smaller last batch', () => {
    const e = epoch(new DataLoader(x, y, { batchSize: 4 }));
    expect(e.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e.sizes).toEqual([4, 4, 2]);
  });
  it('dropLast drops the incomplete batch', () => {
    const l = new DataLoader(x, y, { batchSize: 4, dropLast: true });
    expect(epoch(l).sizes).toEqual([4, 4]);
    expect(l.length).toBe(2);
  });
  it('shuffles every epoch, covers each row once, and is reproducible from the seed', () => {
    const a = new DataLoader(x, y, { batchSize: 3, shuffle: true, rng: new Rng(5) });
    const b = new DataLoader(x, y, { batchSize: 3, shuffle: true, rng: new Rng(5) });
    const e1 = epoch(a),
      e2 = epoch(a);
    expect([...e1.rows].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1.rows).not.toEqual(e2.rows);
    expect(epoch(b).rows).toEqual(e1.rows);
  });
  it('reuses its batch buffers across batches and epochs', () => {
    const l = new DataLoader(x, y, { batchSize: 4, shuffle: true, rng: new Rng(1) });
    const e1 = epoch(l),
      e2 = epoch(l);
    expect(e1.xs[0]).toBe(e1.xs[1]);
    expect(e2.xs[0]).toBe(e1.xs[0]);
    expect(e2.xs[2]).toBe(e1.xs[2]);
  });
  it('works with tensor targets', () => {
    const t = arange(N).reshape([N, 1]);
    const l = new DataLoader(x, t, { batchSize: 5, shuffle: true, rng: new Rng(2) });
    for (const b of l) for (let i = 0; i < b.size; i++) expect(b.y.data[i]).toBe(b.x.data[i * 2] / 2);
  });
});
