// A torchvision run's weights folder (weights/last, weights/best). A torchvision model is Python code
// plus a state dict, not a tfjs layers graph, so its weights are saved as PyTorch saves them:
//   model.pt          the model's state_dict() (classifier already replaced for the run's classes),
//                     which `weights: runs/<run>/weights/best/model.pt` of a later torchvision run
//                     (and torch.load in the user's own code) reads as it is;
//   optimizer.pt      the optimizer's state_dict() (weights/last only), for --resume;
//   torchvision.json  the metadata the trainer writes into a tfjs model.json, under the same
//                     `userDefinedMetadata.transferLab` key (classes, epoch, val accuracy…), so the
//                     code that reads a checkpoint's epoch (resume, a killed run settled as finished)
//                     reads both kinds; plus the builder and the optimizer's class.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../shared/userError';
import type { TransferLabMetadata } from '../model/modelFiles';

export const TORCHVISION_CHECKPOINT = 'torchvision.json';
export const STATE_DICT_FILE = 'model.pt';
export const OPTIMIZER_STATE_FILE = 'optimizer.pt';
const FORMAT = 'transfer-lab/torchvision-checkpoint';

export interface TorchvisionCheckpoint {
  format: typeof FORMAT;
  builder: string;
  stateDict: typeof STATE_DICT_FILE;
  optimizer?: { file: typeof OPTIMIZER_STATE_FILE; className: 'Adam' | 'SGD' };
  userDefinedMetadata: { transferLab: TransferLabMetadata };
}

export function checkpointJson(builder: string, meta: TransferLabMetadata, optimizer?: 'adam' | 'sgd'): string {
  const c: TorchvisionCheckpoint = {
    format: FORMAT,
    builder,
    stateDict: STATE_DICT_FILE,
    ...(optimizer ? { optimizer: { file: OPTIMIZER_STATE_FILE, className: optimizer === 'adam' ? 'Adam' : 'SGD' } } : {}),
    userDefinedMetadata: { transferLab: meta },
  };
  return `${JSON.stringify(c, null, 1)}\n`;
}

/** A weights folder's torchvision.json, checked; throws a UserError naming the file. */
export function readCheckpoint(file: string): TorchvisionCheckpoint {
  let c: Partial<TorchvisionCheckpoint>;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Partial<TorchvisionCheckpoint>;
  } catch (err) {
    throw new UserError(
      `${file} is not readable JSON (${(err as Error).message.split('\n')[0]}); the checkpoint is damaged: start a new run`,
    );
  }
  if (c.format !== FORMAT || typeof c.builder !== 'string' || typeof c.userDefinedMetadata?.transferLab?.epoch !== 'number') {
    throw new UserError(`${file} is not a Transfer Lab torchvision checkpoint (no format '${FORMAT}', builder and epoch)`);
  }
  if (!existsSync(path.join(path.dirname(file), STATE_DICT_FILE)))
    throw new UserError(`${path.join(path.dirname(file), STATE_DICT_FILE)} is missing: the checkpoint is incomplete; start a new run`);
  return c as TorchvisionCheckpoint;
}

/** A state dict's identity (run.json's weightsSha256, the sweep's check that every run started from it). */
export function stateDictSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
