// A small HDF5 writer for what the MSD song files use (HDF5 File Format Specification 3.x, written
// from the spec): superblock v0, version-1 object headers, old-style symbol-table groups (v1 B-tree +
// local heap), fixed-point/float/fixed-string/compound datatypes, chunked + shuffle + deflate or
// contiguous storage, and scalar attributes. Little-endian, 8-byte offsets and lengths.

import { deflateSync } from 'node:zlib';

/** An HDF5 datatype the writer can encode (all little-endian; strings fixed-length, NUL-terminated). */
export type H5Datatype =
  | { readonly class: 'int32' }
  | { readonly class: 'int64' }
  | { readonly class: 'float64' }
  | { readonly class: 'string'; readonly size: number }
  | { readonly class: 'compound'; readonly members: readonly { readonly name: string; readonly type: H5Datatype }[] };

/** A scalar attribute: a string (fixed-length, NUL-terminated, size = UTF-8 length + 1) or a number. */
export interface H5Attribute {
  readonly name: string;
  readonly value: string | { readonly int32: number } | { readonly int64: number } | { readonly float64: number };
}

/**
 * A dataset: `data` holds the row-major elements already encoded with `type` (see `encodeCompound`,
 * `encodeFloat64`, ...). `maxShape` entries of `null` are unlimited (PyTables EArrays and Tables are
 * unlimited along dim 0). `chunkShape` is used when the file is written with chunked storage.
 */
export interface H5Dataset {
  readonly kind: 'dataset';
  readonly name: string;
  readonly type: H5Datatype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
  readonly maxShape?: readonly (number | null)[];
  readonly chunkShape?: readonly number[];
  readonly attrs?: readonly H5Attribute[];
}

/** A group (written as an old-style symbol-table group). */
export interface H5Group {
  readonly kind: 'group';
  readonly name: string;
  readonly children: readonly (H5Group | H5Dataset)[];
  readonly attrs?: readonly H5Attribute[];
}

/** How datasets are stored. */
export interface H5WriteOptions {
  /** 'chunked' (default; unlimited dims allowed, shuffle + deflate) or 'contiguous' (no filters). */
  readonly storage?: 'chunked' | 'contiguous';
  /** Deflate level for chunked storage, 0 disables deflate (default 1, as PyTables' complevel=1). */
  readonly deflateLevel?: number;
  /** Byte-shuffle filter before deflate (default true when deflating). */
  readonly shuffle?: boolean;
}

const UNDEF = 0xffffffffffffffffn;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const GROUP_LEAF_K = 4; // symbol-table node holds up to 2K entries
const GROUP_INTERNAL_K = 16; // group B-tree node holds up to 2K children
const CHUNK_K = 32; // default "indexed storage internal node K" for superblock v0
const SYMBOL_ENTRY_SIZE = 40;

/** Size in bytes of one element of `type`. */
export function datatypeSize(type: H5Datatype): number {
  switch (type.class) {
    case 'int32':
      return 4;
    case 'int64':
      return 8;
    case 'float64':
      return 8;
    case 'string':
      return type.size;
    case 'compound': {
      let n = 0;
      for (const m of type.members) n += datatypeSize(m.type);
      return n;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Byte buffer that grows; addresses are offsets from the start of the file (base address 0).

class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1024, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  /** Reserves `n` zero bytes (aligned to 8 first) and returns their address. */
  alloc(n: number): number {
    this.align8();
    this.ensure(n);
    const at = this.length;
    this.buf.fill(0, at, at + n);
    this.length += n;
    return at;
  }
  align8(): void {
    const pad = (8 - (this.length & 7)) & 7;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  /** Appends bytes (aligned to 8) and returns their address. */
  append(bytes: Uint8Array): number {
    const at = this.alloc(bytes.length);
    this.buf.set(bytes, at);
    return at;
  }
  u8(at: number, v: number): void {
    this.view.setUint8(at, v);
  }
  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  u32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  u64(at: number, v: number | bigint): void {
    this.view.setBigUint64(at, typeof v === 'bigint' ? v : BigInt(v), true);
  }
}

/** A small builder for message bodies. */
class Bytes {
  readonly parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: number | bigint): this {
    const b = typeof v === 'bigint' ? v : BigInt(v);
    return this.u32(Number(b & 0xffffffffn)).u32(Number((b >> 32n) & 0xffffffffn));
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }
  pad8(): this {
    while (this.parts.length % 8 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const utf8 = new TextEncoder();
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Message encoders (section IV.A.2 of the spec). Each returns the unpadded message body.

function datatypeMessage(type: H5Datatype): Uint8Array {
  const b = new Bytes();
  writeDatatype(b, type);
  return b.done();
}

function writeDatatype(b: Bytes, type: H5Datatype): void {
  switch (type.class) {
    case 'int32':
    case 'int64': {
      const size = type.class === 'int32' ? 4 : 8;
      // class 0 (fixed point), version 1; bit 3 = signed, bit 0 = 0 little-endian
      b.u8(0x10)
        .u8(0x08)
        .u8(0)
        .u8(0)
        .u32(size)
        .u16(0)
        .u16(size * 8);
      return;
    }
    case 'float64':
      // class 1, version 1; bits 4-5 = 2 (implied msb), sign at bit 63; IEEE double layout
      b.u8(0x11).u8(0x20).u8(63).u8(0).u32(8).u16(0).u16(64).u8(52).u8(11).u8(0).u8(52).u32(1023);
      return;
    case 'string':
      if (!(type.size >= 1)) throw new RangeError(`hdf5: string datatype needs size >= 1, got ${type.size}`);
      // class 3, version 1; padding 0 = NUL-terminated, charset 0 = ASCII (as PyTables declares it)
      b.u8(0x13).u8(0).u8(0).u8(0).u32(type.size);
      return;
    case 'compound': {
      const n = type.members.length;
      b.u8(0x16)
        .u8(n & 0xff)
        .u8(n >>> 8)
        .u8(0)
        .u32(datatypeSize(type));
      let offset = 0;
      for (const m of type.members) {
        const name = utf8.encode(m.name);
        b.bytes(name);
        for (let i = name.length; i < ((name.length + 8) & ~7); i++) b.u8(0); // NUL + pad to 8 (of the name)
        // version-1 member: byte offset, dimensionality 0, reserved, permutation, reserved, 4 dim sizes
        b.u32(offset).u8(0).u8(0).u8(0).u8(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0);
        writeDatatype(b, m.type);
        offset += datatypeSize(m.type);
      }
      return;
    }
  }
}

function dataspaceMessage(shape: readonly number[], maxShape: readonly (number | null)[] | null): Uint8Array {
  const b = new Bytes();
  b.u8(1)
    .u8(shape.length)
    .u8(maxShape === null ? 0 : 1)
    .u8(0)
    .u32(0);
  for (const d of shape) b.u64(d);
  if (maxShape !== null) for (const d of maxShape) b.u64(d === null ? UNDEF : d);
  return b.done();
}

function attributeMessage(attr: H5Attribute): Uint8Array {
  let type: H5Datatype;
  let data: Uint8Array;
  const v = attr.value;
  if (typeof v === 'string') {
    const s = utf8.encode(v);
    type = { class: 'string', size: s.length + 1 };
    data = new Uint8Array(s.length + 1);
    data.set(s);
  } else if ('int32' in v) {
    type = { class: 'int32' };
    data = new Uint8Array(4);
    new DataView(data.buffer).setInt32(0, v.int32, true);
  } else if ('int64' in v) {
    type = { class: 'int64' };
    data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, BigInt(v.int64), true);
  } else {
    type = { class: 'float64' };
    data = new Uint8Array(8);
    new DataView(data.buffer).setFloat64(0, v.float64, true);
  }
  const name = utf8.encode(attr.name);
  const dt = datatypeMessage(type);
  const ds = dataspaceMessage([], null); // rank 0 = scalar
  const b = new Bytes();
  b.u8(1)
    .u8(0)
    .u16(name.length + 1)
    .u16(dt.length)
    .u16(ds.length);
  b.bytes(name).u8(0).pad8();
  b.bytes(dt).pad8();
  b.bytes(ds).pad8();
  b.bytes(data);
  return b.done();
}

interface Message {
  readonly type: number;
  readonly flags: number;
  readonly body: Uint8Array;
}

/** Writes a version-1 object header holding `messages`; returns its address. */
function writeObjectHeader(w: ByteWriter, messages: readonly Message[]): number {
  let size = 0;
  for (const m of messages) size += 8 + ((m.body.length + 7) & ~7);
  const at = w.alloc(16 + size);
  w.u8(at, 1); // version
  w.u16(at + 2, messages.length);
  w.u32(at + 4, 1); // reference count
  w.u32(at + 8, size);
  let p = at + 16; // 12-byte prefix padded to 8
  for (const m of messages) {
    const padded = (m.body.length + 7) & ~7;
    if (padded > 0xffff) throw new RangeError(`hdf5: object header message of type ${m.type} is too large (${padded} bytes)`);
    w.u16(p, m.type);
    w.u16(p + 2, padded);
    w.u8(p + 4, m.flags);
    w.buf.set(m.body, p + 8);
    p += 8 + padded;
  }
  return at;
}

function attrMessages(attrs: readonly H5Attribute[] | undefined): Message[] {
  return (attrs ?? []).map((a) => ({ type: 0x0c, flags: 0, body: attributeMessage(a) }));
}

// ---------------------------------------------------------------------------------------------
// Datasets

function shuffleBytes(src: Uint8Array, elemSize: number): Uint8Array {
  if (elemSize <= 1) return src;
  const n = Math.floor(src.length / elemSize);
  const out = new Uint8Array(src.length);
  for (let j = 0; j < elemSize; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[base + i] = src[i * elemSize + j];
  }
  out.set(src.subarray(n * elemSize), n * elemSize); // leftover bytes (none for whole elements)
  return out;
}

function checkDataset(ds: H5Dataset, path: string): void {
  const elem = datatypeSize(ds.type);
  let n = 1;
  for (const d of ds.shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`hdf5: ${path}: bad dimension ${d} in shape [${ds.shape.join(', ')}]`);
    n *= d;
  }
  if (ds.data.length !== n * elem) {
    throw new RangeError(`hdf5: ${path}: data has ${ds.data.length} bytes but shape [${ds.shape.join(', ')}] ` + `of ${elem}-byte elements needs ${n * elem}`);
  }
  if (ds.maxShape !== undefined && ds.maxShape.length !== ds.shape.length) {
    throw new RangeError(`hdf5: ${path}: maxShape [${ds.maxShape.join(', ')}] does not match shape [${ds.shape.join(', ')}]`);
  }
}

/** Chunk shape: the requested one, grown along dim 0 so one B-tree leaf (2K entries) indexes all chunks. */
function chooseChunkShape(ds: H5Dataset): number[] {
  const rank = ds.shape.length;
  const chunk = ds.chunkShape !== undefined ? ds.chunkShape.slice() : ds.shape.map((d) => Math.max(1, d));
  if (chunk.length !== rank) throw new RangeError(`hdf5: ${ds.name}: chunkShape rank ${chunk.length} != rank ${rank}`);
  for (let d = 0; d < rank; d++) chunk[d] = Math.max(1, Math.min(chunk[d], d === 0 ? Infinity : ds.shape[d] || 1));
  if (rank > 0) {
    const rows = ds.shape[0];
    if (Math.ceil(rows / chunk[0]) > 2 * CHUNK_K) chunk[0] = Math.ceil(rows / (2 * CHUNK_K));
  }
  return chunk;
}

/** A chunk as stored in the file (after the filters) and its offset in the dataset. */
interface StoredChunk {
  readonly offset: readonly number[];
  readonly bytes: Uint8Array;
}

function writeDataset(w: ByteWriter, ds: H5Dataset, path: string, opts: Required<H5WriteOptions>): number {
  checkDataset(ds, path);
  const elem = datatypeSize(ds.type);
  const rank = ds.shape.length;
  const total = ds.data.length;
  const messages: Message[] = [];
  const chunked = opts.storage === 'chunked' && rank > 0;
  // fill value message v2: allocation time (2 late / 3 incremental), write time 2 (if set), undefined
  messages.push({ type: 0x05, flags: 1, body: Uint8Array.of(2, chunked ? 3 : 2, 2, 0) });
  messages.push({ type: 0x03, flags: 1, body: datatypeMessage(ds.type) });
  const maxShape = chunked ? (ds.maxShape ?? ds.shape) : null;
  messages.push({ type: 0x01, flags: 0, body: dataspaceMessage(ds.shape, maxShape) });

  if (!chunked) {
    const addr = total === 0 ? UNDEF : BigInt(w.append(ds.data));
    const layout = new Bytes().u8(3).u8(1).u64(addr).u64(total).done();
    messages.push({ type: 0x08, flags: 1, body: layout });
  } else {
    const chunk = chooseChunkShape(ds);
    const deflate = opts.deflateLevel > 0;
    const shuffle = deflate && opts.shuffle && elem > 1;
    if (deflate) {
      const fp = new Bytes()
        .u8(1)
        .u8(shuffle ? 2 : 1)
        .u16(0)
        .u32(0);
      // filter: id, name length 0 (predefined filter), flags 1 = optional, 1 client value
      if (shuffle) fp.u16(2).u16(0).u16(1).u16(1).u32(elem).u32(0);
      fp.u16(1).u16(0).u16(1).u16(1).u32(opts.deflateLevel).u32(0);
      messages.push({ type: 0x0b, flags: 1, body: fp.done() });
    }
    const stored: StoredChunk[] = splitChunks(ds, chunk, elem).map((c) => ({
      offset: c.offset,
      bytes: deflate ? deflateSync(shuffle ? shuffleBytes(c.raw, elem) : c.raw, { level: opts.deflateLevel }) : c.raw,
    }));
    const btree = writeChunks(w, ds, chunk, elem, stored);
    const layout = new Bytes()
      .u8(3)
      .u8(2)
      .u8(rank + 1)
      .u64(btree);
    for (const c of chunk) layout.u32(c);
    layout.u32(elem);
    messages.push({ type: 0x08, flags: 1, body: layout.done() });
  }
  messages.push(...attrMessages(ds.attrs));
  return writeObjectHeader(w, messages);
}

/**
 * Cuts the dataset into chunks in row-major order of chunk coordinates; edge chunks are padded with
 * zeros to the full chunk shape, as HDF5 stores them. None when the dataset has no element.
 */
function splitChunks(ds: H5Dataset, chunk: readonly number[], elem: number): { offset: number[]; raw: Uint8Array }[] {
  const shape = ds.shape,
    rank = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return [];
  const counts = shape.map((d, i) => Math.ceil(d / chunk[i]));
  let nChunks = 1;
  for (const c of counts) nChunks *= c;
  if (nChunks > 2 * CHUNK_K) {
    throw new RangeError(`hdf5: ${ds.name}: ${nChunks} chunks need a multi-level B-tree (max ${2 * CHUNK_K}); use a larger chunkShape`);
  }
  let chunkElems = 1;
  for (const c of chunk) chunkElems *= c;
  const rowStride = new Array<number>(rank); // elements per step in each dim of the dataset
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    rowStride[d] = s;
    s *= shape[d];
  }
  const out: { offset: number[]; raw: Uint8Array }[] = [];
  const coord = new Array<number>(rank).fill(0);
  for (let c = 0; c < nChunks; c++) {
    const offset = coord.map((k, i) => k * chunk[i]);
    const raw = new Uint8Array(chunkElems * elem);
    copyChunk(raw, ds.data, shape, chunk, offset, rowStride, elem);
    out.push({ offset, raw });
    for (let d = rank - 1; d >= 0; d--) {
      // next chunk coordinate
      if (++coord[d] < counts[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

/**
 * Writes the stored chunks and one v1 B-tree leaf node of type 1 indexing them. Returns the B-tree
 * address (UNDEF when there is no chunk: nothing allocated, as HDF5 does for empty datasets).
 */
function writeChunks(w: ByteWriter, ds: H5Dataset, chunk: readonly number[], elem: number, stored: readonly StoredChunk[]): bigint {
  const rank = ds.shape.length;
  if (stored.length === 0) return UNDEF;
  const entries: { offset: readonly number[]; size: number; addr: number }[] = [];
  for (const c of stored) entries.push({ offset: c.offset, size: c.bytes.length, addr: w.append(c.bytes) });

  const keySize = 8 + 8 * (rank + 1);
  const nodeSize = 24 + 2 * CHUNK_K * 8 + (2 * CHUNK_K + 1) * keySize;
  const at = w.alloc(nodeSize);
  w.buf.set([0x54, 0x52, 0x45, 0x45], at); // "TREE"
  w.u8(at + 4, 1); // node type 1: raw data chunks
  w.u8(at + 5, 0); // leaf
  w.u16(at + 6, entries.length);
  w.u64(at + 8, UNDEF);
  w.u64(at + 16, UNDEF);
  let p = at + 24;
  const writeKey = (size: number, offset: readonly number[], last: number): void => {
    w.u32(p, size);
    w.u32(p + 4, 0); // filter mask: every filter applied
    for (let d = 0; d < rank; d++) w.u64(p + 8 + 8 * d, offset[d]);
    w.u64(p + 8 + 8 * rank, last);
    p += keySize;
  };
  for (const e of entries) {
    writeKey(e.size, e.offset, 0);
    w.u64(p, e.addr);
    p += 8;
  }
  // final key: the last chunk's offset plus the chunk dims (what the HDF5 library writes)
  const lastOff = entries[entries.length - 1].offset;
  writeKey(
    0,
    lastOff.map((o, d) => o + chunk[d]),
    elem,
  );
  return BigInt(at);
}

/** Copies the part of the dataset inside the chunk at `offset` into `raw` (chunk-row-major). */
function copyChunk(
  raw: Uint8Array,
  data: Uint8Array,
  shape: readonly number[],
  chunk: readonly number[],
  offset: readonly number[],
  rowStride: readonly number[],
  elem: number,
): void {
  const rank = shape.length;
  const last = rank - 1;
  const runElems = Math.min(chunk[last], shape[last] - offset[last]); // contiguous run in the last dim
  const idx = new Array<number>(rank).fill(0); // position inside the chunk, dims 0..rank-2
  for (;;) {
    let inside = true;
    let src = offset[last],
      dst = 0,
      cs = 1;
    for (let d = last; d >= 0; d--) {
      if (d < last) {
        const pos = offset[d] + idx[d];
        if (pos >= shape[d]) {
          inside = false;
          break;
        }
        src += pos * rowStride[d];
      }
      dst += (d < last ? idx[d] : 0) * cs;
      cs *= chunk[d];
    }
    if (inside) raw.set(data.subarray(src * elem, (src + runElems) * elem), dst * elem);
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++idx[d] < chunk[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Groups: local heap of names + symbol-table nodes (2K entries each) + one v1 B-tree leaf node.

function writeGroup(w: ByteWriter, g: H5Group, path: string, opts: Required<H5WriteOptions>): number {
  const names = new Set<string>();
  const children: { name: Uint8Array; header: number }[] = [];
  for (const child of g.children) {
    if (child.name === '' || child.name.includes('/') || child.name === '.') {
      throw new RangeError(`hdf5: ${path}: bad child name ${JSON.stringify(child.name)}`);
    }
    if (names.has(child.name)) throw new RangeError(`hdf5: ${path}: duplicate child name ${JSON.stringify(child.name)}`);
    names.add(child.name);
    const childPath = path === '/' ? `/${child.name}` : `${path}/${child.name}`;
    const header = child.kind === 'group' ? writeGroup(w, child, childPath, opts) : writeDataset(w, child, childPath, opts);
    children.push({ name: utf8.encode(child.name), header });
  }
  // HDF5 looks names up by strcmp over the bytes, so sort bytewise
  children.sort((a, b) => compareBytes(a.name, b.name));

  // local heap data: "" at offset 0, then names NUL-terminated and padded to 8; a free block at the end
  const heap = new Bytes().u64(0);
  const nameOffsets: number[] = [];
  for (const c of children) {
    nameOffsets.push(heap.length);
    heap.bytes(c.name).u8(0).pad8();
  }
  const freeAt = heap.length;
  heap.u64(1).u64(16); // free block: next = 1 (none, the library's H5HL_FREE_NULL), size 16
  const heapData = w.append(heap.done());
  const heapAt = w.alloc(32);
  w.buf.set([0x48, 0x45, 0x41, 0x50], heapAt); // "HEAP", version 0
  w.u64(heapAt + 8, heap.length);
  w.u64(heapAt + 16, freeAt);
  w.u64(heapAt + 24, heapData);

  // symbol-table nodes of up to 2K entries each
  const perNode = 2 * GROUP_LEAF_K;
  const nodes: { addr: number; lastName: number }[] = [];
  for (let start = 0; start < children.length || (start === 0 && children.length === 0); start += perNode) {
    const slice = children.slice(start, start + perNode);
    const at = w.alloc(8 + perNode * SYMBOL_ENTRY_SIZE);
    w.buf.set([0x53, 0x4e, 0x4f, 0x44], at); // "SNOD"
    w.u8(at + 4, 1);
    w.u16(at + 6, slice.length);
    for (let i = 0; i < slice.length; i++) {
      const e = at + 8 + i * SYMBOL_ENTRY_SIZE;
      w.u64(e, nameOffsets[start + i]);
      w.u64(e + 8, slice[i].header);
      // cache type 0; scratch pad unused
    }
    nodes.push({ addr: at, lastName: slice.length > 0 ? nameOffsets[start + slice.length - 1] : 0 });
    if (children.length === 0) break;
  }
  if (nodes.length > 2 * GROUP_INTERNAL_K) {
    throw new RangeError(`hdf5: ${path}: ${children.length} children need a multi-level group B-tree (max ${2 * GROUP_INTERNAL_K * perNode})`);
  }
  const nodeSize = 24 + 2 * GROUP_INTERNAL_K * 8 + (2 * GROUP_INTERNAL_K + 1) * 8;
  const bt = w.alloc(nodeSize);
  w.buf.set([0x54, 0x52, 0x45, 0x45], bt); // "TREE", type 0 (group), level 0
  w.u16(bt + 6, children.length === 0 ? 0 : nodes.length);
  w.u64(bt + 8, UNDEF);
  w.u64(bt + 16, UNDEF);
  let p = bt + 24;
  w.u64(p, 0); // key 0: the empty name
  p += 8;
  if (children.length > 0) {
    for (const n of nodes) {
      w.u64(p, n.addr);
      w.u64(p + 8, n.lastName); // key after child i: its largest name
      p += 16;
    }
  }
  const stab = new Bytes().u64(bt).u64(heapAt).done();
  const header = writeObjectHeader(w, [{ type: 0x11, flags: 0, body: stab }, ...attrMessages(g.attrs)]);
  return header;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Encodes a whole HDF5 file whose root group is `root` (its `name` is ignored).
 *
 * @example
 * const bytes = encodeHdf5({ kind: 'group', name: '/', children: [
 *   { kind: 'dataset', name: 'x', type: { class: 'float64' }, shape: [2], data: encodeFloat64([1, 2]) }] });
 */
export function encodeHdf5(root: H5Group, options: H5WriteOptions = {}): Uint8Array {
  return encodeWith(root, normalizeOptions(options));
}

function normalizeOptions(options: H5WriteOptions): Required<H5WriteOptions> {
  const opts: Required<H5WriteOptions> = {
    storage: options.storage ?? 'chunked',
    deflateLevel: options.deflateLevel ?? 1,
    shuffle: options.shuffle ?? true,
  };
  if (opts.storage !== 'chunked' && opts.storage !== 'contiguous') {
    throw new RangeError(`hdf5: storage must be 'chunked' or 'contiguous', got ${String(opts.storage)}`);
  }
  if (!Number.isInteger(opts.deflateLevel) || opts.deflateLevel < 0 || opts.deflateLevel > 9) {
    throw new RangeError(`hdf5: deflateLevel must be an integer in 0..9, got ${opts.deflateLevel}`);
  }
  return opts;
}

function encodeWith(root: H5Group, opts: Required<H5WriteOptions>): Uint8Array {
  const w = new ByteWriter(estimateSize(root));
  const sb = w.alloc(96);
  const rootHeader = writeGroup(w, root, '/', opts);
  // the root group's B-tree and heap, cached in the root symbol-table entry's scratch pad
  const rootStab = findStab(w, rootHeader);
  w.align8();
  const eof = w.length;

  w.buf.set(SIGNATURE, sb);
  // versions: superblock 0, free space 0, root symbol table entry 0, reserved, shared header 0
  w.u8(sb + 13, 8); // size of offsets
  w.u8(sb + 14, 8); // size of lengths
  w.u16(sb + 16, GROUP_LEAF_K);
  w.u16(sb + 18, GROUP_INTERNAL_K);
  w.u32(sb + 20, 0); // file consistency flags
  w.u64(sb + 24, 0); // base address
  w.u64(sb + 32, UNDEF); // free-space info (none)
  w.u64(sb + 40, eof);
  w.u64(sb + 48, UNDEF); // driver info block (none)
  const e = sb + 56; // root group symbol table entry
  w.u64(e, 0);
  w.u64(e + 8, rootHeader);
  w.u32(e + 16, 1); // cache type 1: scratch pad holds the B-tree and heap addresses
  w.u64(e + 24, rootStab.btree);
  w.u64(e + 32, rootStab.heap);
  return w.buf.subarray(0, eof);
}

/** Raw data bytes plus a generous allowance for headers, heaps and B-tree nodes (avoids regrowth). */
function estimateSize(g: H5Group): number {
  let n = 4096;
  for (const c of g.children) n += c.kind === 'group' ? estimateSize(c) : c.data.length + 6144;
  return n;
}

function findStab(w: ByteWriter, header: number): { btree: number; heap: number } {
  // the symbol table message is the first message of every group header we write
  const msg = header + 16;
  return { btree: Number(w.view.getBigUint64(msg + 8, true)), heap: Number(w.view.getBigUint64(msg + 16, true)) };
}

// ---------------------------------------------------------------------------------------------
// Element encoders

/** float64 little-endian bytes of `values` (may be a view sharing memory with a Float64Array argument). */
export function encodeFloat64(values: ArrayLike<number>): Uint8Array {
  if (LITTLE_ENDIAN) {
    // a view of the caller's Float64Array (no copy), else a converted copy
    const f = values instanceof Float64Array ? values : Float64Array.from(values);
    return new Uint8Array(f.buffer, f.byteOffset, f.length * 8);
  }
  const out = new Uint8Array(values.length * 8);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) v.setFloat64(i * 8, values[i], true);
  return out;
}

/** int32 little-endian bytes of `values`; every value must be an integer in int32 range. */
export function encodeInt32(values: ArrayLike<number>, what = 'int32 data'): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647) {
      throw new RangeError(`hdf5: ${what}[${i}] = ${x} is not an int32`);
    }
    v.setInt32(i * 4, x, true);
  }
  return out;
}

/** Fixed-length NUL-padded UTF-8 strings of `size` bytes; a string longer than `size` bytes is an error. */
export function encodeFixedStrings(values: readonly string[], size: number, what = 'strings'): Uint8Array {
  const out = new Uint8Array(values.length * size);
  for (let i = 0; i < values.length; i++) putString(out, i * size, values[i], size, `${what}[${i}]`);
  return out;
}

function putString(out: Uint8Array, at: number, s: string, size: number, what: string): void {
  if (typeof s !== 'string') throw new TypeError(`hdf5: ${what} must be a string, got ${typeof s}`);
  const r = utf8.encodeInto(s, out.subarray(at, at + size));
  if (r.read !== s.length) {
    throw new RangeError(`hdf5: ${what} is ${utf8.encode(s).length} UTF-8 bytes, longer than its ${size}-byte field`);
  }
  if (s.includes('\0')) throw new RangeError(`hdf5: ${what} contains a NUL character`);
}

/**
 * Encodes `rows` rows of a compound type from per-member columns (numbers or strings). Column
 * `values[m]` holds member m for every row.
 */
export function encodeCompound(
  type: Extract<H5Datatype, { class: 'compound' }>,
  rows: number,
  columns: Readonly<Record<string, ArrayLike<number> | readonly string[]>>,
  what = 'table',
): Uint8Array {
  const rowSize = datatypeSize(type);
  const out = new Uint8Array(rows * rowSize);
  const v = new DataView(out.buffer);
  let offset = 0;
  for (const m of type.members) {
    const col = columns[m.name];
    if (col === undefined) throw new RangeError(`hdf5: ${what}: missing column ${m.name}`);
    if (col.length !== rows) throw new RangeError(`hdf5: ${what}: column ${m.name} has ${col.length} rows, expected ${rows}`);
    const t = m.type;
    for (let r = 0; r < rows; r++) {
      const at = r * rowSize + offset;
      const x = col[r];
      const where = `${what} row ${r} field ${m.name}`;
      if (t.class === 'string') {
        putString(out, at, x as string, t.size, where);
      } else if (typeof x !== 'number') {
        throw new TypeError(`hdf5: ${where} must be a number, got ${typeof x}`);
      } else if (t.class === 'float64') {
        v.setFloat64(at, x, true);
      } else if (t.class === 'int32') {
        if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647) throw new RangeError(`hdf5: ${where} = ${x} is not an int32`);
        v.setInt32(at, x, true);
      } else if (t.class === 'int64') {
        if (!Number.isSafeInteger(x)) throw new RangeError(`hdf5: ${where} = ${x} is not a safe integer`);
        v.setBigInt64(at, BigInt(x), true);
      } else {
        throw new TypeError(`hdf5: ${where}: nested compound members are not supported`);
      }
    }
    offset += datatypeSize(t);
  }
  return out;
}
