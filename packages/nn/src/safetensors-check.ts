// Checks a safetensors file and a model file make before anything is allocated from them: every header
// entry against the file size (the rules of the reference reader, huggingface/safetensors: offsets inside
// the data section, aligned to the dtype, ranges neither overlapping nor leaving bytes unused, and
// shape × dtype size = byte length), the architecture in a model's metadata against its tensors, and the
// tensors' values (no NaN or ±Infinity in weights).
import { formatShape } from '@timbre/tensor';
import type { ModuleConfig } from './module.js';

/** Bytes per element of the dtypes timbre reads. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = { F32: 4, F64: 8, I64: 8, I32: 4, F16: 2, BF16: 2 };

/**
 * Checks a parsed safetensors header against a data section of `dataLen` bytes; throws a RangeError
 * starting with `source` and naming the tensor otherwise.
 *
 * ```ts
 * checkSafetensorsHeader(JSON.parse(headerText), bytes.length - 8 - headerLength, 'model.safetensors');
 * ```
 */
export function checkSafetensorsHeader(header: Record<string, unknown>, dataLen: number, source: string): void {
  const fail = (msg: string): never => {
    throw new RangeError(`${source}: ${msg}`);
  };
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ is not an object of strings');
      continue;
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`tensor ${name}: its header entry is not an object`);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    const width = SAFETENSORS_DTYPE_BYTES[dtype as string];
    if (width === undefined) fail(`tensor ${name}: unsupported dtype ${String(dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o))) {
      fail(`tensor ${name}: data_offsets ${JSON.stringify(offs)} is not a pair of integers`);
    }
    const [begin, end] = offs as number[];
    // The element count, stopping once it exceeds what the data section could hold (no overflow).
    let elements = 1;
    for (const d of shape as number[]) elements = elements * d > dataLen ? dataLen + 1 : elements * d;
    const count = elements > dataLen ? `more than ${dataLen}` : String(elements);
    if (begin < 0 || end < begin || end > dataLen) {
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not hold ${count} ${dtype} values within the ${dataLen}-byte data section (they lie outside it)`,
      );
    }
    if (elements * width !== end - begin) {
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not hold ${count} ${dtype} values within the ${dataLen}-byte data section ` +
          `(shape ${formatShape(shape as number[])} needs ${elements > dataLen ? 'more bytes than the file has' : `${elements * width} bytes`}, the range is ${end - begin})`,
      );
    }
    if (begin % width !== 0) fail(`tensor ${name}: data_offsets start ${begin} is not aligned to its ${width}-byte ${dtype} elements`);
    ranges.push({ name, begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const r of ranges) {
    if (r.begin < at) fail(`tensor ${r.name}: data_offsets [${r.begin}, ${r.end}] overlap the bytes of another tensor (which end at ${at})`);
    if (r.begin > at) fail(`bytes [${at}, ${r.begin}) of the data section belong to no tensor`);
    at = r.end;
  }
  if (at !== dataLen) fail(`bytes [${at}, ${dataLen}) of the data section belong to no tensor`);
}

/** `__metadata__.architecture` as a module config; throws naming `where` if it is not one. */
export function parseArchitecture(text: string, where: string): ModuleConfig {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${where}: __metadata__.architecture is not JSON (${(e as Error).message})`);
  }
  if (config === null || typeof config !== 'object' || typeof (config as { type?: unknown }).type !== 'string') {
    throw new RangeError(`${where}: __metadata__.architecture is not a module config (an object with a "type")`);
  }
  return config as ModuleConfig;
}

/** A tensor as far as shape checks go (a Tensor, or a header entry). */
export interface ShapedEntry {
  /** The tensor's shape as the file declares it. */
  readonly shape: readonly number[];
}

const positiveInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;

/** A layer's config in PyTorch's notation, e.g. `Linear(30000, 30000)`. */
function describe(c: Record<string, unknown>): string {
  switch (c.type) {
    case 'Linear':
      return `Linear(${c.inFeatures}, ${c.outFeatures}${c.bias === false ? ', bias=False' : ''})`;
    case 'BatchNorm1d':
      return `BatchNorm1d(${c.numFeatures})`;
    default:
      return String(c.type);
  }
}

/**
 * The state-dict names and shapes a module built from `config` has, without building it; null when the
 * config holds a module type this function does not know (the caller then relies on the module's own checks).
 * Sizes are validated (positive integers) and the messages start with `where`.
 *
 * ```ts
 * architectureShapes({ type: 'Linear', inFeatures: 3, outFeatures: 2 }); // Map { weight => [2, 3], bias => [2] }
 * ```
 */
export function architectureShapes(
  config: ModuleConfig,
  where = 'architecture',
): Map<
  string,
  {
    /** The tensor's shape. */
    shape: number[];
    /** The layer it belongs to, in PyTorch's notation, e.g. `Linear(30, 16)`. */
    layer: string;
  }
> | null {
  const out = new Map<string, { shape: number[]; layer: string }>();
  const walk = (cfg: unknown, prefix: string): boolean => {
    if (cfg === null || typeof cfg !== 'object') throw new TypeError(`${where}: module config ${prefix || '(root)'} is not an object`);
    const c = cfg as Record<string, unknown>;
    const need = (key: string): number => {
      if (!positiveInt(c[key]))
        throw new RangeError(
          `${where}: ${String(c.type)} ${prefix.replace(/\.$/, '') || '(root)'}: ${key} must be a positive integer, got ${JSON.stringify(c[key])}`,
        );
      return c[key] as number;
    };
    switch (c.type) {
      case 'Sequential':
        if (!Array.isArray(c.layers)) throw new TypeError(`${where}: Sequential config needs a layers array`);
        return c.layers.every((l, i) => walk(l, `${prefix}${i}.`));
      case 'Linear': {
        const inF = need('inFeatures'),
          outF = need('outFeatures'),
          layer = describe(c);
        out.set(`${prefix}weight`, { shape: [outF, inF], layer });
        if (c.bias !== false) out.set(`${prefix}bias`, { shape: [outF], layer });
        return true;
      }
      case 'BatchNorm1d': {
        const n = need('numFeatures'),
          layer = describe(c);
        if (c.affine !== false) {
          out.set(`${prefix}weight`, { shape: [n], layer });
          out.set(`${prefix}bias`, { shape: [n], layer });
        }
        if (c.trackRunningStats !== false) {
          out.set(`${prefix}running_mean`, { shape: [n], layer });
          out.set(`${prefix}running_var`, { shape: [n], layer });
          out.set(`${prefix}num_batches_tracked`, { shape: [], layer });
        }
        return true;
      }
      case 'ReLU':
      case 'LeakyReLU':
      case 'Tanh':
      case 'Sigmoid':
      case 'GELU':
      case 'Dropout':
        return true;
      default:
        return false;
    }
  };
  return walk(config, '') ? out : null;
}

// A tensor no typed array can hold (V8's limit on a Float32Array's byte length is 2^32 bytes on Node 20).
const MAX_TENSOR_ELEMENTS = 2 ** 30;

/**
 * Checks that `tensors` are exactly the tensors a module built from `config` has (with `strict` false,
 * some may be missing), shape for shape, before the module is built; throws naming the layer and both
 * shapes. Returns false, checking nothing, for configs holding module types it does not know.
 *
 * ```ts
 * checkArchitecture(JSON.parse(metadata.architecture), tensors, 'model.safetensors');
 * ```
 */
export function checkArchitecture(
  config: ModuleConfig,
  tensors: Readonly<Record<string, ShapedEntry>>,
  where: string,
  options: { strict?: boolean } = {},
): boolean {
  const expected = architectureShapes(config, where);
  if (expected === null) return false;
  const strict = options.strict ?? true;
  for (const [name, { shape, layer }] of expected) {
    const t = tensors[name];
    if (t === undefined) {
      if (strict) throw new RangeError(`${where}: the architecture's ${layer} needs tensor ${name} ${formatShape(shape)}, which the file does not hold`);
      if (shape.reduce((a, b) => a * b, 1) > MAX_TENSOR_ELEMENTS) {
        throw new RangeError(
          `${where}: the architecture's ${layer} needs tensor ${name} ${formatShape(shape)}, too large to allocate, and the file does not hold it`,
        );
      }
      continue;
    }
    const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    if (!same) {
      throw new RangeError(`${where}: the architecture's ${layer} needs tensor ${name} ${formatShape(shape)}, the file holds ${name} ${formatShape(t.shape)}`);
    }
  }
  if (strict) {
    const extra = Object.keys(tensors).filter((k) => !expected.has(k));
    if (extra.length > 0)
      throw new RangeError(`${where}: tensor(s) ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''} belong to no layer of the architecture`);
  }
  return true;
}

/**
 * Throws a RangeError naming the tensor and index of the first NaN or ±Infinity in `tensors`.
 *
 * ```ts
 * checkFiniteTensors(model.stateDict(), 'model.safetensors');
 * ```
 */
export function checkFiniteTensors(tensors: Readonly<Record<string, { data: ArrayLike<number> }>>, where: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new RangeError(`${where}: tensor ${name} holds ${d[i]} at index ${i}; a model's weights must be finite numbers`);
    }
  }
}
