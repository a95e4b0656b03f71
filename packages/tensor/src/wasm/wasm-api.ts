// The slice of the WebAssembly JS API the kernels use, typed here because the project's lib
// (ES2022, no DOM) and @types/node 20 do not declare the WebAssembly namespace.

/** A WebAssembly.Memory (shared: its buffer is a SharedArrayBuffer that never detaches). */
export interface WasmMemory {
  /** The memory's bytes (a SharedArrayBuffer when shared). */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows the memory by `deltaPages` pages of 64 KiB and returns the previous size in pages. */
  grow(deltaPages: number): number;
}
/** A compiled WebAssembly.Module (opaque; it can be posted to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** globalThis.WebAssembly, or undefined on a runtime without it. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
