// One colour per run, the same in every view (comparison panel, Runs tree, exports). Each run
// prefers the palette slot its name hashes to and takes the next free one on a collision (the ten
// main colours first), so colours stay distinct up to the palette size. A RunColorBook remembers
// what it gave: a run keeps its colour when other runs are added, whatever their names. The
// extension host keeps one book for the Runs view and the panel (so they agree) and saves it in
// the workspace state (so a reload keeps the colours). `runColors` is a fresh book's answer: the
// colours depend on the set of names alone, runs placed in name order.

/** Tableau 10: ten hues that stay apart on light, dark and high-contrast backgrounds. Runs get
 *  these first; only beyond ten runs do the second ten (lighter companions) come into use. */
const PRIMARY = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const SECONDARY = ['#a0cbe8', '#ffbe7d', '#d37295', '#499894', '#8cd17d', '#b6992d', '#d4a6c8', '#fabfd2', '#79706e', '#86bcb6'];
export const RUN_PALETTE: readonly string[] = [...PRIMARY, ...SECONDARY];

/** FNV-1a, 32 bit: stable across processes and platforms. */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** At most this many remembered runs; the oldest not shown are forgotten first. */
const BOOK_LIMIT = 2000;

export class RunColorBook {
  private readonly given = new Map<string, string>();

  /** `saved`: what an earlier book gave (anything but palette colours is ignored); `onChange`
   *  gets everything given after each new assignment, to save. */
  constructor(
    saved?: unknown,
    private readonly onChange?: (given: Record<string, string>) => void,
  ) {
    if (typeof saved === 'object' && saved !== null) {
      for (const [name, color] of Object.entries(saved))
        if (typeof color === 'string' && RUN_PALETTE.includes(color)) this.given.set(name, color);
    }
  }

  /** Colour of every run in `names` (duplicates ignored): what each was given before; runs new to
   *  the book, in name order, take the free colour their name hashes to (free: not held by a run
   *  of `names`). */
  colors(names: Iterable<string>): Map<string, string> {
    const wanted = [...new Set(names)];
    const taken = new Set<string>();
    for (const name of wanted) {
      const c = this.given.get(name);
      if (c) taken.add(c);
    }
    const pick = (group: readonly string[], h: number): string | undefined => {
      for (let k = 0; k < group.length; k++) {
        const c = group[(h + k) % group.length];
        if (!taken.has(c)) return c;
      }
      return undefined;
    };
    const fresh = wanted.filter((n) => !this.given.has(n)).sort();
    for (const name of fresh) {
      const h = hash(name);
      // Past the whole palette, colours repeat: start over with every colour free again.
      if (taken.size >= RUN_PALETTE.length) taken.clear();
      const c = pick(PRIMARY, h) ?? pick(SECONDARY, h)!;
      taken.add(c);
      this.given.set(name, c);
    }
    if (fresh.length) {
      const shown = new Set(wanted);
      for (const name of this.given.keys()) {
        if (this.given.size <= BOOK_LIMIT) break;
        if (!shown.has(name)) this.given.delete(name);
      }
      this.onChange?.(Object.fromEntries(this.given));
    }
    return new Map(wanted.map((n) => [n, this.given.get(n)!]));
  }
}

/** Colour of every run in `names` (duplicates ignored), as a fresh book gives them. */
export function runColors(names: Iterable<string>): Map<string, string> {
  return new RunColorBook().colors(names);
}

/** Colour of one run among `allNames` (the runs shown together with it). */
export function runColor(name: string, allNames: Iterable<string>): string {
  const set = new Set(allNames);
  set.add(name);
  return runColors(set).get(name)!;
}
