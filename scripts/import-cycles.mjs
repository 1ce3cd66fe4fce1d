// Fails when relative imports form a cycle among the TypeScript files under src/ and webview/, or
// when a file in src/shared/ is run by fewer than two processes (it belongs in that process's folder)
// (issue #16: one process per folder; a cycle ties modules that should be able to change alone).
// Every import counts, `import type` included: a type-only cycle still couples the two files.
// Plain JavaScript so `npm run lint` runs it before anything is built.
//   node scripts/import-cycles.mjs [root]   (root: the folder holding src/ and webview/; default .)
// Exit 0: no cycles but the allowed ones; 1: each new cycle printed, one line of files each.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Cycles allowed to stay, as sets of files: a strongly connected group of files passes only while
// it lies inside one of these. None: the four this check found when it arrived (runsManager.ts <->
// slurm/slurmJobs.ts, cli/commands.ts <-> sweep.ts, slurmCli.ts, sweepTable.ts <-> sweepTableText.ts,
// model/experimentModel.ts <-> yolov5/modelInput.ts) were all type imports, moved to their own files.
export const KNOWN_CYCLES = [];

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;

function tsFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'assembly' || e.name === 'node_modules' ? [] : tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The import graph: each file (relative to root, with /) to the files it imports. */
export function importGraph(root) {
  const files = [...tsFiles(path.join(root, 'src')), ...tsFiles(path.join(root, 'webview'))];
  const rel = (f) => path.relative(root, f).split(path.sep).join('/');
  const known = new Set(files.map(rel));
  const graph = new Map();
  for (const f of files) {
    // Comments may quote imports; drop them first.
    const code = readFileSync(f, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const targets = new Set();
    for (const m of code.matchAll(IMPORT)) {
      const base = rel(path.resolve(path.dirname(f), m[2]));
      const hit = [`${base}.ts`, `${base}/index.ts`, base].find((c) => known.has(c));
      if (hit) targets.add(hit);
    }
    graph.set(rel(f), [...targets]);
  }
  return graph;
}

/** Strongly connected groups of more than one file (or a file importing itself): Tarjan's algorithm. */
export function cycles(graph) {
  let next = 0;
  const index = new Map(),
    low = new Map(),
    stack = [],
    onStack = new Set(),
    found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

export function newCycles(root, allowed = KNOWN_CYCLES) {
  return cycles(importGraph(root)).filter((group) => !allowed.some((ok) => group.every((f) => ok.includes(f))));
}

// The three processes' entry points (esbuild.mjs bundles one file each).
export const ENTRY_POINTS = { host: 'src/extension/extension.ts', trainer: 'src/trainer/main.ts', webview: 'webview/main.ts' };

/** src/shared/ is for code two processes run: each shared file with the one process (or none) that reaches it. */
export function singleProcessShared(root) {
  const graph = importGraph(root);
  const reach = Object.entries(ENTRY_POINTS).map(([name, entry]) => {
    const seen = new Set();
    const todo = [entry];
    while (todo.length) {
      const f = todo.pop();
      if (seen.has(f) || !graph.has(f)) continue;
      seen.add(f);
      todo.push(...graph.get(f));
    }
    return [name, seen];
  });
  return [...graph.keys()]
    .filter((f) => f.startsWith('src/shared/'))
    .map((file) => ({ file, processes: reach.filter(([, seen]) => seen.has(file)).map(([name]) => name) }))
    .filter((r) => r.processes.length < 2)
    .sort((a, b) => a.file.localeCompare(b.file));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? '.');
  const bad = newCycles(root);
  for (const group of bad) console.error(`import cycle: ${group.join(' <-> ')}`);
  if (bad.length) {
    console.error(
      `${bad.length} import cycle(s) under ${root}/src and webview: make one side stop importing the other (move what both need into a third module).`,
    );
  }
  const single = singleProcessShared(root);
  for (const r of single) {
    console.error(
      `${r.file} is in src/shared/ but ${r.processes.length ? `only the ${r.processes[0]} runs it` : 'no process runs it'}: move it into that process's folder${r.processes.length ? '' : ' (or delete it)'}.`,
    );
  }
  if (bad.length || single.length) process.exit(1);
}
