// A data-parallel replica (see dataParallel.ts): builds the model from its JSON on its own wasm
// engine, then for every batch share it receives: loads the current weights from shared memory,
// computes the loss gradients of the trainable variables, writes them to shared memory and replies
// with the loss.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { activateEngine } from '../../src/trainer/engines';
import { registerFreezableBatchNorm } from '../../src/trainer/model/frozenBatchNorm';
import { registerLazyGradConv2D } from '../../src/trainer/model/lazyGradConv2d';
import { lossOf } from '../../src/trainer/train/steps';
import type { ReplicaSpec, StepRequest, WorkerReply } from './dataParallel';

async function main(spec: ReplicaSpec, port: NonNullable<typeof parentPort>): Promise<void> {
  await activateEngine('wasm');
  registerLazyGradConv2D();
  registerFreezableBatchNorm();
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(spec.modelJson) as object } as Parameters<
    typeof tf.models.modelFromJSON
  >[0]);
  const weights = model.weights.map((w) => w.read() as tf.Variable);
  if (weights.length !== spec.weightShapes.length)
    throw new Error(`replica has ${weights.length} weights, the model ${spec.weightShapes.length}`);
  const views: Float32Array[] = [];
  let at = 0;
  for (const v of weights) {
    views.push(new Float32Array(spec.weights, at, v.size));
    at += 4 * v.size;
  }
  const trainable = spec.trainableIndex.map((i) => weights[i]);
  const gradViews: Float32Array[] = [];
  at = 0;
  for (const v of trainable) {
    gradViews.push(new Float32Array(spec.grads, at, v.size));
    at += 4 * v.size;
  }
  port.on('message', (req: StepRequest) => {
    try {
      tf.tidy(() => weights.forEach((v, i) => v.assign(tf.tensor(views[i], v.shape))));
      const loss = tf.tidy(() => {
        const xs = req.x.map((a, i) => tf.tensor(a, req.xShapes[i]));
        const y = tf.tensor2d(req.y, req.yShape as [number, number]);
        const { value, grads } = tf.variableGrads(
          () => lossOf(spec.output, y, model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor),
          trainable,
        );
        trainable.forEach((v, i) => gradViews[i].set(grads[v.name].dataSync() as Float32Array));
        return value.dataSync()[0];
      });
      port.postMessage({ ok: true, loss } satisfies WorkerReply);
    } catch (err) {
      port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    }
  });
  port.postMessage({ ok: true, loss: 0 } satisfies WorkerReply);
}

if (parentPort) {
  const port = parentPort;
  main(workerData as ReplicaSpec, port).catch((err: unknown) => {
    port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  });
}
