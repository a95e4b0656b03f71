// Printing against PyTorch 1.13's own str(tensor): fixtures/print.json, made by fixtures/make_tensor_fixtures.py.
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromArray, zeros } from '../src/index.js';
import { formatExp, formatFixed } from '../src/format.js';

type Enc = number | 'nan' | 'inf' | '-inf';
const FIX = JSON.parse(readFileSync(new URL('./fixtures/print.json', import.meta.url), 'utf8'));
const dec = (v: Enc): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

/** PyTorch's string plus the `size=(…)` suffix timbre adds to summarised tensors, placed by PyTorch's own rule. */
function expected(torchStr: string, shape: number[]): string {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size <= 1000) return torchStr;
  const body = torchStr.slice(0, -1),
    suffix = `size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const lastLine = body.length - body.lastIndexOf('\n') + 1;
  return body + (lastLine + suffix.length + 2 > 80 ? `,\n       ${suffix}` : `, ${suffix}`) + ')';
}

describe('printing matches PyTorch', () => {
  it('fixture covers fixed, integer, scientific, non-finite, empty, 0-d, wrapped and summarised tensors', () => {
    expect(FIX.version).toBe(1);
    expect(Object.keys(FIX.cases).length).toBeGreaterThanOrEqual(30);
  });
  for (const [name, c] of Object.entries<any>(FIX.cases)) {
    it(name, () => {
      const t = fromArray(c.x.data.map(dec), c.x.shape);
      const want = expected(c.str, c.x.shape);
      expect(String(t)).toBe(want);
      expect(inspect(t)).toBe(want);
    });
  }
  it('console.log prints the same string, also nested in an object', () => {
    const t = fromArray([
      [1.5, 2],
      [3.25, -4],
    ]);
    expect(inspect({ t })).toBe('{\n  t: tensor([[ 1.5000,  2.0000],\n          [ 3.2500, -4.0000]])\n}');
    expect(`${zeros([2])}`).toBe('tensor([0., 0.])');
  });
  it('summarised tensors name their size, on a new line when the last one is full', () => {
    expect(String(zeros([2000]))).toBe('tensor([0., 0., 0.,  ..., 0., 0., 0.], size=(2000,))');
    expect(String(zeros([40, 40])).endsWith('[0., 0., 0.,  ..., 0., 0., 0.]], size=(40, 40))')).toBe(true);
  });
});

describe('number formatting: Python format() rules', () => {
  it('fixed: rounds half to even on the exact binary value', () => {
    expect(formatFixed(0.03125, 4)).toBe('0.0312'); // exact tie: down to even
    expect(formatFixed(0.09375, 4)).toBe('0.0938'); // exact tie: up to even
    expect(formatFixed(1.00005, 4)).toBe('1.0001'); // 1.00005 is 1.00005000000000010551… in binary: not a tie
    expect(formatFixed(-0, 4)).toBe('-0.0000');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(123456789, 4)).toBe('123456789.0000');
  });
  it('scientific: two-digit exponent, carries into the next decade', () => {
    expect(formatExp(1e-5, 4)).toBe('1.0000e-05');
    expect(formatExp(9.99995e10, 4)).toBe('1.0000e+11');
    expect(formatExp(-1.03125, 4)).toBe('-1.0312e+00');
    expect(formatExp(0, 4)).toBe('0.0000e+00');
    expect(formatExp(5e-324, 4)).toBe('4.9407e-324');
    expect(formatExp(1.7976931348623157e308, 4)).toBe('1.7977e+308');
    expect(formatExp(1000, 4)).toBe('1.0000e+03');
  });
});
