// Whether `auto` should train on a hardware WebGPU adapter it found. tfjs on WebGPU (Dawn, in Node)
// pays a fixed host cost per kernel: on an H100 a step of the reference CNN (batch 32, ~320 kernels)
// took 63 ms on WebGPU and 44 ms on one wasm thread; at batch 256 (5.0 GFLOP) 141 against 277 ms;
// PyTorch CUDA did either in ~2 ms (`node out/bench/engine.js --gpu [--batch 256]`). Training the
// digits example's model there: 0.74 GFLOP per step, wasm 447 img/s and WebGPU 286; 1.5 GFLOP,
// 599 and 727; 2.9 GFLOP, 495 and 1121. So the GPU pays only for big steps (crossing at ~1.2
// GFLOP against one wasm thread); below that the next engine trains faster.

/** Predicted forward + backward FLOPs per step from which WebGPU beats the CPU engines. */
export const WEBGPU_MIN_STEP_FLOPS = 1.2e9;

export interface GpuChoice {
  use: boolean;
  reason: string;
}

export function webgpuWorthIt(stepFlops: number | undefined): GpuChoice {
  if (stepFlops === undefined) return { use: true, reason: 'the cost of a step could not be predicted: the GPU is the default' };
  const gflop = stepFlops < 1e8 ? `${(stepFlops / 1e6).toPrecision(2)} MFLOP` : `${(stepFlops / 1e9).toPrecision(2)} GFLOP`;
  if (stepFlops < WEBGPU_MIN_STEP_FLOPS) {
    return {
      use: false,
      reason:
        `a step is ${gflop}, below the ${WEBGPU_MIN_STEP_FLOPS / 1e9} GFLOP from which WebGPU's fixed cost per kernel pays off ` +
        '(a bigger batch or model crosses it); force it with --engine webgpu',
    };
  }
  return { use: true, reason: `a step is ${gflop}` };
}
