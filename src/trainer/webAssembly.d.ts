// The part of Node's global WebAssembly the trainer uses (its kernels: trainingKernelsWasm.ts,
// wasmHeap.ts). @types/node 20 does not declare WebAssembly and the DOM library, which does, is
// not the trainer's (src/trainer/tsconfig.json); the root tsconfig.json, which has DOM, leaves
// this file out.
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  // A compiled module has no members of its own; it is only passed to Instance.
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, importObject?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
