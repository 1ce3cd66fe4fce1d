// What the trainer needs of its tfjs optimizers beyond tfjs' own: a learning rate set before each
// step (schedules, the LR finder), one multiplier per variable on top of it (per-module rates), and
// a variable list that changes when a freeze schedule re-freezes the model. SGD here; Adam in
// fusedAdam.ts. Both keep the stock classes' names and saved state, so checkpoints stay compatible.
import * as tf from '@tensorflow/tfjs';

export interface RateControl {
  /** The base rate of the next steps. */
  setRate(lr: number): void;
  /** Each variable's multiplier by variable name (absent: 1). */
  setMultipliers(mults: ReadonlyMap<string, number>): void;
  /** The variables (by name, in the order minimize() passes them) the next steps update: per-variable
   *  state (Adam's moments) follows its variable; a variable new to the list starts from zero state. */
  retarget(names: readonly string[]): void;
}

export type ScaledOptimizer = tf.Optimizer & RateControl;

/** (name, gradient) pairs of an applyGradients argument, in order. */
export function gradientList(g: Parameters<tf.Optimizer['applyGradients']>[0]): Array<readonly [string, tf.Tensor]> {
  return Array.isArray(g) ? g.map((v) => [v.name, v.tensor] as const) : Object.keys(g).map((name) => [name, g[name]] as const);
}

/** tfjs' SGD with per-variable multipliers: `w ← w − lr × mult × g` (mult 1: the stock kernels exactly). */
export class ScaledSgd extends tf.SGDOptimizer implements RateControl {
  private mults: ReadonlyMap<string, number> = new Map();

  static get className(): string {
    return 'SGD';
  }

  setRate(lr: number): void {
    if (lr !== this.learningRate) this.setLearningRate(lr);
  }

  setMultipliers(mults: ReadonlyMap<string, number>): void {
    this.mults = mults;
  }

  retarget(): void {
    // SGD keeps no per-variable state.
  }

  applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    for (const [name, gradient] of gradientList(variableGradients)) {
      if (gradient == null) continue;
      const value = tf.engine().registeredVariables[name];
      const mult = this.mults.get(name) ?? 1;
      tf.tidy(() => value.assign(tf.add(mult === 1 ? tf.mul(this.c, gradient) : tf.mul(-this.learningRate * mult, gradient), value)));
    }
    this.incrementIterations();
  }
}
