// Reading what train.py prints: its progress bars (tqdm redraws one line with '\r'), the line that
// names its device, and the last words of a crash. Pure: unit-tested on YOLOv5's exact formats.

/**
 * Splits a terminal byte stream. `updates` are every redraw of a line (each '\r' or '\n' ends one),
 * for live progress; `lines` are the lines as a terminal finally shows them (the last redraw before
 * '\n'), for the log, so a progress bar is logged once, not once per redraw.
 */
export class TerminalLines {
  private current = '';
  private segment = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): { updates: string[]; lines: string[] } {
    return this.feed(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
  }

  /** What is left when the stream ends (a last line without '\n'). */
  end(): { updates: string[]; lines: string[] } {
    const out = this.feed(this.decoder.decode() + '\n');
    return out;
  }

  private feed(text: string): { updates: string[]; lines: string[] } {
    const updates: string[] = [];
    const lines: string[] = [];
    for (const ch of text) {
      if (ch === '\r') {
        if (this.segment.length > 0) {
          updates.push(this.segment);
          this.current = this.segment;
        }
        this.segment = '';
      } else if (ch === '\n') {
        if (this.segment.length > 0) {
          updates.push(this.segment);
          this.current = this.segment;
        }
        if (this.current.length > 0) lines.push(this.current);
        this.current = '';
        this.segment = '';
      } else {
        this.segment += ch;
      }
    }
    return { updates, lines };
  }
}

export interface TrainProgress {
  /** YOLOv5's 0-based epoch and its last epoch index (epochs - 1). */
  epoch: number;
  lastEpoch: number;
  /** Its GPU_mem column as printed (torch's reserved memory), e.g. '3.39G'. */
  gpuMem: string;
  /** Mean box, obj and cls loss of the epoch so far. */
  losses: [number, number, number];
  /** Batches done and batches in the epoch. */
  done: number;
  of: number;
}

const NUM = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?|nan|inf)';
// '%11s'*2 + '%11.4g'*5 (v7; '%10s' in v6) then tqdm's '{desc}: {percentage:3.0f}%|{bar:10}| {n}/{total} …'
const PROGRESS = new RegExp(
  `^\\s*(\\d+)/(\\d+)\\s+(\\S+)\\s+${NUM}\\s+${NUM}\\s+${NUM}\\s+${NUM}\\s+${NUM}:\\s*\\d+%\\|[^|]*\\|\\s*(\\d+)/(\\d+)`,
);

/** A training progress-bar redraw of train.py, or undefined for any other line. */
export function parseTrainProgress(line: string): TrainProgress | undefined {
  const m = PROGRESS.exec(line);
  if (!m) return undefined;
  const n = (s: string) => (s === 'nan' || s === 'inf' ? NaN : Number(s));
  return {
    epoch: Number(m[1]),
    lastEpoch: Number(m[2]),
    gpuMem: m[3],
    losses: [n(m[4]), n(m[5]), n(m[6])],
    done: Number(m[9]),
    of: Number(m[10]),
  };
}

/** The header YOLOv5 prints as each training epoch begins (`Epoch GPU_mem box_loss …`). */
export function isEpochHeader(line: string): boolean {
  return /^\s*Epoch\s+(GPU_mem|gpu_mem)\s+box/.test(line);
}

/** The device from YOLOv5's start-up line (`YOLOv5 🚀 v7.0 Python-3.10 torch-2.0.1 CUDA:0 (NVIDIA A100, 40536MiB)`). */
export function parseDeviceLine(line: string): string | undefined {
  const m = /^YOLOv5\b.*\btorch[-\s]\S+\s+((?:CUDA|CPU|MPS).*?)\s*$/.exec(line.trim());
  return m ? m[1] : undefined;
}

/** A Python exception line (`RuntimeError: CUDA out of memory…`, `AssertionError: …`). */
const EXCEPTION = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)|AssertionError)\b(:.*)?$/;

/**
 * Why train.py failed, from the last lines of its output: the exception line first (a row shows
 * the first line), then the lines before it, so the whole traceback tail is on the run.
 */
export function failureMessage(how: string, tail: readonly string[], maxLines = 15): string {
  const lines = tail.map((l) => l.replace(/\s+$/, '')).filter((l) => l.trim().length > 0 && parseTrainProgress(l) === undefined);
  let headline: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (EXCEPTION.test(lines[i].trim())) {
      headline = lines[i].trim();
      break;
    }
  }
  headline ??= lines.length > 0 ? lines[lines.length - 1].trim() : 'it printed nothing';
  const shown = lines.slice(-maxLines);
  return `YOLOv5 train.py failed (${how}): ${headline}${shown.length > 0 ? `\n--- last lines of its output ---\n${shown.join('\n')}` : ''}`;
}

/** Keeps the last `size` lines. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 40) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get all(): readonly string[] {
    return this.lines;
  }
}
