// Shapes, strides and the ShapeError every op throws when shapes do not fit.
// A shape is a readonly array of non-negative integers; tensors are always contiguous row-major.

/** Thrown when tensor shapes do not fit an op. The message names the op and both shapes. */
export class ShapeError extends RangeError {
  /** Always `'ShapeError'`, so messages and stack traces name the error. */
  override name = 'ShapeError';
}

/** `[2, 3]` -> `"[2, 3]"`, the spelling every error message uses. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Number of elements of a shape; validates that every dimension is a non-negative integer. */
export function sizeOf(shape: readonly number[], op = 'shape'): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape ${formatShape(shape)} (dimension ${i} is ${d}; dimensions must be non-negative integers)`);
    }
    n *= d;
  }
  return n;
}

/** True when the two shapes have the same rank and the same size in every dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
