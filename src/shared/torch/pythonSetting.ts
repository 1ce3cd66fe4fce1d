// How the editor tells the trainer which Python runs the torch engine: `transferLab.python` (an
// explicit choice: only that interpreter is probed) travels as TORCH_PYTHON_ENV; the Python
// extension's interpreter travels as PYTHON_ENV (shared with YOLOv5 runs: tried first, then
// python3 on PATH). See src/trainer/torch/probeTorch.ts.
export const TORCH_PYTHON_ENV = 'TRANSFER_LAB_TORCH_PYTHON';
