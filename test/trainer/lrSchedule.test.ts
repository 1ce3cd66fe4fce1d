// The learning-rate schedules (src/trainer/train/lrSchedule.ts) at known steps. The expected values
// were printed by PyTorch 1.13's own schedulers (OneCycleLR with anneal 'cos'; CosineAnnealingLR
// with eta_min) stepping an SGD optimizer, so "cosine" and "one-cycle" mean what they mean there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochRates, lrAt, movesRate } from '../../src/trainer/train/lrSchedule';

function assertRates(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= 1e-9 + 1e-9 * Math.abs(expected[i]), `${what} step ${i}: ${a} vs ${expected[i]}`),
  );
}

test("one-cycle: PyTorch OneCycleLR(max_lr 0.1, total_steps 20, pct_start 0.25, div 25, final_div 1e4)'s rates", () => {
  const torch = [
    0.0040000000000000036, 0.018058874503045733, 0.052000000000000005, 0.08594112549695429, 0.1, 0.09890738440717015, 0.09567729017303851,
    0.0904508879153485, 0.08345659649182165, 0.0750001, 0.0654509879153485, 0.05522660225769002, 0.04477379774230999, 0.03454941208465151,
    0.025000300000000013, 0.01654380350817838, 0.009549512084651508, 0.0043231098269614805, 0.0010930155928298624, 4e-7,
  ];
  const schedule = { kind: 'onecycle', pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4 } as const;
  const span = { stepsPerEpoch: 5, epochs: 4 };
  assertRates(
    Array.from({ length: 20 }, (_, s) => lrAt(schedule, 0.1, s, span)),
    torch,
    'one-cycle',
  );
  // The same curve cut into epochs: epoch 2's steps are steps 5…9.
  assertRates(epochRates(schedule, 0.1, 2, 5, span), torch.slice(5, 10), 'epoch 2');
});

test('cosine with warmup: linear from 0 over the warmup epoch, then CosineAnnealingLR(T_max 15, eta_min 0.001) to the last step', () => {
  const torchCosine = [
    0.1, 0.09891830623632339, 0.09572050015330874, 0.0905463412215599, 0.08362196501476347, 0.07525, 0.0657963412215599,
    0.05567415893174885, 0.04532584106825117, 0.03520365877844011, 0.025750000000000012, 0.017378034985236535, 0.010453658778440105,
    0.005279499846691251, 0.0020816937636766184, 0.001,
  ];
  const schedule = { kind: 'cosine', warmup: 1, min: 0.01 } as const;
  const rates = Array.from({ length: 20 }, (_, s) => lrAt(schedule, 0.1, s, { stepsPerEpoch: 4, epochs: 5 }));
  assertRates(rates, [0, 0.025, 0.05, 0.075, ...torchCosine], 'cosine');
});

test('step: × gamma every `every` epochs; constant and no schedule keep the base rate', () => {
  const span = { stepsPerEpoch: 3, epochs: 6 };
  const step = { kind: 'step', every: 2, gamma: 0.5 } as const;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((e) => epochRates(step, 0.2, e, 3, span)),
    [0.2, 0.2, 0.1, 0.1, 0.05, 0.05].map((r) => [r, r, r]),
  );
  assert.equal(lrAt({ kind: 'constant' }, 0.3, 7, span), 0.3);
  assert.equal(lrAt(undefined, 0.3, 7, span), 0.3);
  assert.equal(movesRate({ kind: 'constant' }), false);
  assert.equal(movesRate(undefined), false);
  assert.equal(movesRate(step), true);
});
