// An LR finder result for the tests of its readers (the contract, the panel's chart, the host).
import type { LrFindResult } from '../../src/shared/lrFind/contract';

export function sampleResult(over: Partial<LrFindResult> = {}): LrFindResult {
  return {
    version: 1,
    experiment: '/w/digits.experiment.yaml',
    name: 'digits',
    freeze: 6,
    engine: 'wasm',
    device: 'CPU (WebAssembly)',
    optimizer: 'adam',
    batch: 16,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:10.000Z',
    startLr: 1e-7,
    endLr: 10,
    steps: 3,
    end: 'completed',
    lrs: [1e-7, 1e-3, 10],
    losses: [2, 1.5, 3],
    smoothed: [2, 1.7, 2.1],
    suggestions: { steepest: 1e-7, minimumTenth: 1e-4, suggested: 'steepest', lr: 1e-7, reason: 'because' },
    ...over,
  };
}
