// The safetensors format (huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian tensor bytes (offsets relative to the end of the header). We write F32, read F32/F64/I64/I32/F16/BF16.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { type Tensor, sizeOf, zeros } from '@timbre/tensor';
import { checkSafetensorsHeader } from './safetensors-check.js';

const BYTES: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, F16: 2, BF16: 2 };
/** Float32Array memory is in the platform's byte order: on little-endian hosts F32 data is copied as raw bytes (bit-exact, NaN payloads too). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Tensors and string metadata read from a safetensors file (values converted to float32 tensors). */
export interface SafetensorsContents {
  /** The tensors by name, in the file's order. */
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` strings ({} when absent). */
  metadata: Record<string, string>;
}

/** Serialises float32 tensors (and string metadata) to safetensors bytes; keys keep their insertion order. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: __metadata__.${k} must be a string, got ${typeof v}`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === '__metadata__') throw new RangeError('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const t = tensors[name];
    const nbytes = t.size * 4;
    header[name] = { dtype: 'F32', shape: t.shape.slice(), data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (the reference implementation does the same).
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const name of names) {
    const d = tensors[name].data;
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
      pos += d.byteLength;
    } else {
      for (let i = 0; i < d.length; i++, pos += 4) view.setFloat32(pos, d[i], true);
    }
  }
  return out;
}

/** Parses safetensors bytes. `source` names the file in error messages. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new RangeError(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) fail(`header length ${n} exceeds the file size ${bytes.length}`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n,
    dataLen = bytes.length - dataStart;
  checkSafetensorsHeader(header as Record<string, unknown>, dataLen, source);
  const metadata: Record<string, string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries(info ?? {})) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offs } = info ?? {};
    const width = BYTES[dtype as string];
    if (width === undefined) fail(`tensor ${name}: unsupported dtype ${dtype} (supported: ${Object.keys(BYTES).join(', ')})`);
    if (!Array.isArray(shape)) fail(`tensor ${name}: shape is missing`);
    if (!Array.isArray(offs) || offs.length !== 2) fail(`tensor ${name}: data_offsets is missing`);
    const [begin, end] = offs as number[];
    const size = sizeOf(shape, `${source}: tensor ${name}`);
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end <= dataLen && end - begin === size * width)) {
      fail(`tensor ${name}: data_offsets [${begin}, ${end}] do not hold ${size} ${dtype} values within the ${dataLen}-byte data section`);
    }
    const t = zeros(shape);
    const d = t.data,
      at = dataStart + begin;
    if (dtype === 'F32' && LITTLE_ENDIAN) {
      new Uint8Array(d.buffer, d.byteOffset, d.byteLength).set(bytes.subarray(at, at + size * 4));
      tensors[name] = t;
      continue;
    }
    for (let i = 0; i < size; i++) {
      const p = at + i * width;
      switch (dtype) {
        case 'F32':
          d[i] = view.getFloat32(p, true);
          break;
        case 'F64':
          d[i] = view.getFloat64(p, true);
          break;
        case 'I64':
          d[i] = Number(view.getBigInt64(p, true));
          break;
        case 'I32':
          d[i] = view.getInt32(p, true);
          break;
        case 'F16':
          d[i] = halfToFloat(view.getUint16(p, true));
          break;
        default:
          d[i] = new Float32Array(new Uint32Array([view.getUint16(p, true) << 16]).buffer)[0]; // BF16
      }
    }
    tensors[name] = t;
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Saves tensors to a safetensors file (atomically).
 *
 * ```ts
 * saveSafetensors('model.safetensors', model.stateDict(), { format: 'pt' });
 * ```
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; errors name the file. */
export function loadSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), path);
}
