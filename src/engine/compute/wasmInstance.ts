/**
 * Instances of the engine's WebAssembly kernels (training/kernels/*.wat and analysis/kernels/*.wat, compiled into base64 modules by
 * scripts/generateWasmKernels.ts): each module is compiled once per process; each instance gets its own memory,
 * grown once to the size asked for and never again, so typed-array views of it stay valid for the instance's
 * life. Arrays are handed out 16-byte aligned (the kernels' f32x4 loads) and zero-filled.
 */

/** The parts of the WebAssembly API used here (the engine's TypeScript lib has no WebAssembly declarations). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

/** An array in a kernel's memory: its byte offset (what the kernel takes) and a view of it. */
export interface WasmArray<T> {
  readonly at: number;
  readonly view: T;
}

/** A kernel instance: its exports and a bump allocator over its memory. */
export interface WasmInstance<E> {
  readonly exports: E;
  /** A fresh allocator from the start of the memory (call once per instance). */
  allocator(): { f32(n: number): WasmArray<Float32Array>; i32(n: number): WasmArray<Int32Array>; f64(n: number): WasmArray<Float64Array> };
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const compiled = new Map<string, object | null>();

/** Largest memory a kernel asks for: WebAssembly's 4 GiB less a page. */
const maxBytes = 4 * 1024 ** 3 - 65536;

/**
 * An instance of the kernel `base64` with at least `bytes` of memory (plus 16 bytes of alignment slack per array
 * the caller takes), or null when WebAssembly (with SIMD) or that much memory cannot be had.
 */
export function wasmMemoryInstance<E>(base64: string, bytes: number): WasmInstance<E> | null {
  if (!wasmApi || bytes > maxBytes) return null;
  let module = compiled.get(base64);
  if (module === undefined) {
    try {
      module = new wasmApi.Module(Buffer.from(base64, 'base64'));
    } catch {
      module = null;
    }
    compiled.set(base64, module);
  }
  if (!module) return null;
  let exports: E & { readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number } };
  try {
    exports = new wasmApi.Instance(module, {}).exports as typeof exports;
    exports.memory.grow(Math.ceil(bytes / 65536));
  } catch {
    return null;
  }
  const buffer = exports.memory.buffer;
  return {
    exports,
    allocator() {
      let offset = 0;
      // n elements of `bytes` bytes each, rounded up to 16 bytes.
      const take = (n: number, bytes = 4): number => {
        const at = offset;
        offset += Math.ceil((n * bytes) / 16) * 16;
        if (offset > buffer.byteLength) throw new RangeError(`a kernel asked for ${offset} bytes of its ${buffer.byteLength}`);
        return at;
      };
      return {
        f32(n) {
          const at = take(n);
          return { at, view: new Float32Array(buffer, at, n) };
        },
        i32(n) {
          const at = take(n);
          return { at, view: new Int32Array(buffer, at, n) };
        },
        f64(n) {
          const at = take(n, 8);
          return { at, view: new Float64Array(buffer, at, n) };
        },
      };
    },
  };
}
