// The torch engine's StepEngine for a torchvision backbone: the worker builds the model itself
// (torchvision_train.py: the builder, weights, classifier replaced, frozen children with batch norm
// in inference mode); epochs, evaluation and memory are the tfjs graph's (TorchWorkerSteps). Weights
// come back as a state dict folder (checkpoint.ts).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FreezeSpec } from '../../shared/experiment/types';
import type { TransferLabMetadata } from '../model/modelFiles';
import type { PhaseSetup } from '../train/stepEngine';
import { TorchWorkerOptions, TorchWorkerSteps } from '../torch/torchSteps';
import { TorchWorker, TorchWorkerError } from '../torch/torchWorker';
import { checkpointJson, OPTIMIZER_STATE_FILE, readCheckpoint, STATE_DICT_FILE, TORCHVISION_CHECKPOINT } from './checkpoint';

export interface TorchvisionStepsOptions extends TorchWorkerOptions {
  builder: string;
  /** `torchvision:DEFAULT`, a state dict's path (pretrained weights or the run's weights/last on resume), or none. */
  weights?: string;
  numClasses: number;
  freeze: FreezeSpec;
}

export interface TorchvisionStart {
  steps: TorchvisionSteps;
  device: string;
  totalParams: number;
  trainableParams: number;
  classifier: string;
  classifierLoaded: boolean;
  /** The frozen top-level children, by name (`conv1`, `bn1`, …). */
  frozen: string[];
}

export class TorchvisionSteps extends TorchWorkerSteps {
  private constructor(
    worker: TorchWorker,
    private readonly tv: TorchvisionStepsOptions,
  ) {
    super(worker, tv);
  }

  static async start(o: TorchvisionStepsOptions): Promise<TorchvisionStart> {
    const steps = new TorchvisionSteps(new TorchWorker(o.python), o);
    try {
      const init = await steps.worker.request({
        op: 'initTorchvision',
        builder: o.builder,
        weights: o.weights,
        numClasses: o.numClasses,
        freeze: o.freeze,
        device: o.device,
        optimizer: o.optimizer,
        lr: o.lr,
        seed: o.seed,
      });
      await steps.sendData();
      steps.noteUsage(init);
      return {
        steps,
        device: String(init.device),
        totalParams: Number(init.totalParams),
        trainableParams: Number(init.trainableParams),
        classifier: String(init.classifier),
        classifierLoaded: init.classifierLoaded === true,
        frozen: (init.frozen as string[]) ?? [],
      };
    } catch (err) {
      steps.dispose();
      throw err;
    }
  }

  /**
   * Not for torchvision models: their top-level children are not a chain in general (ResNet flattens
   * between avgpool and fc inside forward(), ViT adds its class token and position embedding there),
   * so the frozen prefix's output cannot be taken at a child boundary without each builder's forward.
   */
  cachePrefix(): Promise<void> {
    return Promise.reject(new Error('a torchvision model has no frozen-prefix cache'));
  }

  /** The worker applies the freeze itself (its children, not tfjs layers); the plan is never used. */
  async setPhase(p: PhaseSetup): Promise<void> {
    await this.worker.request({ op: 'phaseTorchvision', freeze: p.freeze, frozenSoFar: p.frozenSoFar, mults: p.moduleMults });
  }

  async weightFiles(meta: TransferLabMetadata, withOptimizer: boolean): Promise<Record<string, Uint8Array | string>> {
    const file = path.join(this.dir, STATE_DICT_FILE);
    const optimizerFile = path.join(this.dir, OPTIMIZER_STATE_FILE);
    await this.worker.request({ op: 'saveState', file, ...(withOptimizer ? { optimizerFile } : {}) });
    return {
      [STATE_DICT_FILE]: readFileSync(file),
      ...(withOptimizer ? { [OPTIMIZER_STATE_FILE]: readFileSync(optimizerFile) } : {}),
      [TORCHVISION_CHECKPOINT]: checkpointJson(this.tv.builder, meta, withOptimizer ? this.tv.optimizer : undefined),
    };
  }

  async restoreOptimizer(file: string): Promise<void> {
    const c = readCheckpoint(file);
    if (!c.optimizer) return;
    const wanted = this.tv.optimizer === 'adam' ? 'Adam' : 'SGD';
    if (c.optimizer.className !== wanted) {
      this.o.log('warn', `optimizer state in ${file} is ${c.optimizer.className}, the experiment uses ${wanted}: starting it fresh`);
      return;
    }
    try {
      const r = await this.worker.request({ op: 'loadOptimizerState', file: path.join(path.dirname(file), c.optimizer.file) });
      this.o.log('info', `optimizer state restored (${Number(r.tensors)} tensors)`);
    } catch (err) {
      if (!(err instanceof TorchWorkerError)) throw err;
      this.o.log('warn', `optimizer state in ${file} does not fit the trainable parameters (${err.message}): starting it fresh`);
    }
  }
}
