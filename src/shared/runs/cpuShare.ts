// The extension host and the trainer agree on two variables. CPUS_ENV: the CPUs a trainer may use —
// the host keeps one core for the editor and splits the rest among the trainers it runs at once, so
// that their threads do not oversubscribe the machine. THREADS_ENV: the wasm engine's threads
// (`auto`, the default, or a number; 1 turns threads off), which `transferLab.wasmThreads` sets.
export const CPUS_ENV = 'TRANSFER_LAB_CPUS';
export const THREADS_ENV = 'TRANSFER_LAB_WASM_THREADS';
