// One colour per run, the same in every view (comparison panel, Runs tree, exports). The colour
// depends only on the set of run names: each run prefers the palette slot its name hashes to, and
// runs are placed in name order, taking the next free slot on a collision (the ten main colours
// first). So colours stay distinct
// up to the palette size, a run keeps its colour when others start unless a newcomer collides with
// it, and two views that see the same runs agree without talking to each other.

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

/** Colour of every run in `names` (duplicates ignored). */
export function runColors(names: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const pick = (group: readonly string[], h: number): string | undefined => {
    for (let k = 0; k < group.length; k++) {
      const c = group[(h + k) % group.length];
      if (!taken.has(c)) return c;
    }
    return undefined;
  };
  for (const name of sorted) {
    const h = hash(name);
    // Past the whole palette, colours repeat: start over with every colour free again.
    if (taken.size === RUN_PALETTE.length) taken.clear();
    const c = pick(PRIMARY, h) ?? pick(SECONDARY, h)!;
    taken.add(c);
    out.set(name, c);
  }
  return out;
}

/** Colour of one run among `allNames` (the runs shown together with it). */
export function runColor(name: string, allNames: Iterable<string>): string {
  const set = new Set(allNames);
  set.add(name);
  return runColors(set).get(name)!;
}
