// Tensor printing with PyTorch's rules (torch/_tensor_str.py, default print options): 4 decimals, scientific notation
// when the printed values span more than 1000× or reach 1e8 or go below 1e-4, integers as `1.`, columns padded to one
// width, lines wrapped at 80 characters, and tensors over 1000 elements summarised to their first and last 3 entries
// per dimension with `...`. Numbers round half to even on their exact binary value, as Python's format() does.

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;
const PREFIX = 'tensor(';

/** What printing needs of a tensor (structural, so this file does not import tensor.ts). */
interface Printable {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly size: number;
}

/**
 * The tensor as PyTorch prints it: `tensor([[ 1.5000,  2.0000], …])`. An empty tensor gets PyTorch's `size=(0, 3)`
 * suffix; a summarised one (over 1000 elements) gets the same suffix, since its `...` hides how many entries there are.
 */
export function formatTensor(t: Printable): string {
  const suffixes: string[] = [];
  let body: string;
  if (t.size === 0) {
    body = '[]';
    if (t.shape.length !== 1) suffixes.push(sizeSuffix(t.shape));
  } else {
    const summarize = t.size > THRESHOLD;
    const shown: number[] = [];
    walk(t, 0, 0, summarize, (v) => shown.push(v));
    const f = new Formatter(shown);
    body = block(t, f, 0, 0, PREFIX.length, summarize);
    if (summarize) suffixes.push(sizeSuffix(t.shape));
  }
  return addSuffixes(PREFIX + body, suffixes, PREFIX.length);
}

/** PyTorch's `size=(2, 3)` (a Python tuple: one element prints as `(5,)`). */
function sizeSuffix(shape: readonly number[]): string {
  return `size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Visits the values that will be printed, in order (all of them, or the edges of each summarised dimension). */
function walk(t: Printable, dim: number, off: number, summarize: boolean, visit: (v: number) => void): void {
  if (t.shape.length === 0) {
    visit(t.data[off]);
    return;
  }
  const n = t.shape[dim],
    stride = t.strides[dim];
  const last = dim === t.shape.length - 1;
  for (let i = 0; i < n; i++) {
    if (summarize && n > 2 * EDGE && i === EDGE) i = n - EDGE;
    if (last) visit(t.data[off + i]);
    else walk(t, dim + 1, off + i * stride, summarize, visit);
  }
}

/** One dimension's bracketed block; `indent` is the column of its opening bracket. */
function block(t: Printable, f: Formatter, dim: number, off: number, indent: number, summarize: boolean): string {
  const nd = t.shape.length;
  if (nd === 0) return f.format(t.data[off]);
  const n = t.shape[dim],
    stride = t.strides[dim];
  const cut = summarize && n > 2 * EDGE;
  if (dim === nd - 1) {
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      if (cut && i === EDGE) {
        items.push(' ...');
        i = n - EDGE;
      }
      items.push(f.format(t.data[off + i]));
    }
    const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / (f.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
  }
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (cut && i === EDGE) {
      parts.push('...');
      i = n - EDGE;
    }
    parts.push(block(t, f, dim + 1, off + i * stride, indent + 1, summarize));
  }
  return '[' + parts.join(',' + '\n'.repeat(nd - dim - 1) + ' '.repeat(indent + 1)) + ']';
}

/** PyTorch's _add_suffixes: `, size=(…)` on the last line, or on a new line when it would pass 80 columns. */
function addSuffixes(s: string, suffixes: string[], indent: number): string {
  let out = s;
  let lastLine = s.length - s.lastIndexOf('\n') + 1; // the same count as PyTorch's, off by two included
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > LINEWIDTH) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lastLine = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLine += suffix.length + 2;
    }
  }
  return out + ')';
}

/** Chooses integer, fixed or scientific notation and the column width from the values printed (PyTorch's _Formatter). */
class Formatter {
  readonly intMode: boolean;
  readonly sciMode: boolean;
  readonly width: number;

  constructor(values: number[]) {
    let intMode = true,
      sciMode = false,
      width = 1;
    let lo = Infinity,
      hi = 0,
      any = false;
    for (const v of values) {
      if (!Number.isFinite(v) || v === 0) continue;
      any = true;
      const a = Math.abs(v);
      if (a < lo) lo = a;
      if (a > hi) hi = a;
      if (v !== Math.ceil(v)) intMode = false;
    }
    if (any) {
      sciMode = hi / lo > 1000 || hi > 1e8 || (!intMode && lo < 1e-4);
      for (const v of values) {
        if (!Number.isFinite(v) || v === 0) continue;
        const len = sciMode ? formatExp(v, PRECISION).length : intMode ? formatFixed(v, 0).length + 1 : formatFixed(v, PRECISION).length;
        if (len > width) width = len;
      }
    }
    this.intMode = intMode;
    this.sciMode = sciMode;
    this.width = width;
  }

  format(v: number): string {
    let s: string;
    if (this.sciMode) s = formatExp(v, PRECISION);
    else if (this.intMode) s = Number.isFinite(v) ? formatFixed(v, 0) + '.' : formatFixed(v, 0);
    else s = formatFixed(v, PRECISION);
    return s.length < this.width ? ' '.repeat(this.width - s.length) + s : s;
  }
}

function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

const sign = (v: number): string => (v < 0 || Object.is(v, -0) ? '-' : '');

/** |v| = m·2^e exactly, m a non-negative integer. */
function decompose(v: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const hi = view.getUint32(0),
    lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) return [m, -1074];
  m |= 1n << 52n;
  return [m, exp - 1075];
}

const pow10 = (k: number): bigint => 10n ** BigInt(k);

/** round(|v|·10^k) to the nearest integer, ties to even, computed exactly. */
function scaled(v: number, k: number): bigint {
  const [m, e] = decompose(v);
  let num = m,
    den = 1n;
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  const q = num / den,
    r2 = (num % den) * 2n;
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** Python's '{:.pf}'.format(v). */
export function formatFixed(v: number, p: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const digits = scaled(v, p)
    .toString()
    .padStart(p + 1, '0');
  const intPart = digits.slice(0, digits.length - p);
  return sign(v) + (p === 0 ? intPart : `${intPart}.${digits.slice(digits.length - p)}`);
}

/** Python's '{:.pe}'.format(v): mantissa with p decimals, exponent with a sign and at least two digits. */
export function formatExp(v: number, p: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  let k = 0,
    q = 0n;
  if (v !== 0) {
    k = Math.floor(Math.log10(Math.abs(v)));
    const lo = pow10(p),
      hi = pow10(p + 1);
    for (;;) {
      // log10 can be off by one near powers of ten, and rounding can carry into the next decade
      q = scaled(v, p - k);
      if (q >= hi) k++;
      else if (q < lo) k--;
      else break;
    }
  }
  const digits = v === 0 ? '0'.repeat(p + 1) : q.toString();
  const exp = `${k < 0 ? '-' : '+'}${String(Math.abs(k)).padStart(2, '0')}`;
  return `${sign(v)}${digits[0]}${p > 0 ? '.' + digits.slice(1) : ''}e${exp}`;
}
