// Names of runs and sweeps. A run's name is its folder under runs/, so names are short, sortable
// by time, and made of characters every file system and shell accepts.
import type { FreezeSpec } from '../experiment/types';

const pad = (n: number) => String(n).padStart(2, '0');

/** `20261126-1200` in local time: minutes are enough for names a person reads. */
export function timeStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

/** `10`, `0_3_model.4.bn`: a freeze value as a folder-name fragment. */
export function freezeLabel(freeze: FreezeSpec): string {
  const raw = Array.isArray(freeze) ? (freeze.length === 0 ? 'none' : freeze.map(String).join('_')) : String(freeze);
  return raw.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Appends `-2`, `-3`… until the name is not taken. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!taken(candidate)) return candidate;
  }
}

/** `run-20261126-1200-freeze-10` for a single run. */
export function singleRunName(freeze: FreezeSpec, now: Date, taken: (name: string) => boolean): string {
  return uniqueName(`run-${timeStamp(now)}-freeze-${freezeLabel(freeze)}`, taken);
}

/** `sweep-20261126-1200`; unique against existing runs whose names start with it. */
export function sweepName(now: Date, taken: (prefix: string) => boolean): string {
  return uniqueName(`sweep-${timeStamp(now)}`, taken);
}

/** `sweep-20261126-1200-freeze-10`; its fine_tune run (shared/runs/fineTune.ts) `sweep-20261126-1200-fine-tune`. */
export function sweepRunName(sweep: string, freeze: FreezeSpec, fineTune = false): string {
  return fineTune ? `${sweep}-fine-tune` : `${sweep}-freeze-${freezeLabel(freeze)}`;
}
