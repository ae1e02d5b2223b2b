#!/usr/bin/env node
// Checks the architecture rules of docs/architecture.md on src/:
// no import cycles between files or folders, the layers point one way,
// folders hold at most 15 files and files at most 300 lines.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');
const MAX_FILES_PER_FOLDER = 15;
const MAX_LINES = 300;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = walk(src);
const rel = (file) => relative(src, file);
const folderOf = (file) => dirname(rel(file));
const imports = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    targets.push(resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
  }
  imports.set(file, targets);
}

const problems = [];

// Layers: a folder may import only from itself and the folders listed for it.
const layers = {
  domain: ['domain/errors'],
  'domain/errors': ['domain'],
  'infrastructure/shared': ['domain', 'domain/errors'],
  // Live fan-out depends on node built-ins and domain types only (docs/live-fan-out.md).
  live: ['domain'],
  // Health probes read the EventBus port only (docs/operations.md, Health probes).
  http: ['domain'],
};
const upward = [
  // [importer prefix, forbidden prefix, why]
  ['domain', 'infrastructure', 'the domain imports nothing from infrastructure'],
  ['domain', 'application', 'the domain imports nothing from the application layer'],
  ['domain', 'cli', 'the domain imports nothing from the CLI'],
  ['cli', 'infrastructure', 'the CLI reaches infrastructure only through src/index.ts or the application layer'],
  ['infrastructure', 'application', 'infrastructure does not import the application layer'],
  ['infrastructure', 'cli', 'infrastructure does not import the CLI'],
];
for (const [file, targets] of imports) {
  const from = rel(file);
  for (const target of targets) {
    const to = rel(target);
    for (const [importer, forbidden, why] of upward) {
      if (from.startsWith(importer + '/') && to.startsWith(forbidden + '/')) problems.push(`${from} imports ${to}: ${why}`);
    }
    const allowed = layers[folderOf(file)];
    if (allowed && folderOf(target) !== folderOf(file) && !allowed.includes(folderOf(target))) {
      problems.push(`${from} imports ${to}: ${folderOf(file)} may import only ${allowed.join(', ') || 'itself'}`);
    }
  }
}

// Cycles, between files and between folders.
function cycles(graph) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}
for (const cycle of cycles(new Map([...imports].map(([f, t]) => [rel(f), t.map(rel)])))) {
  problems.push(`import cycle between files: ${cycle.join(' → ')}`);
}
const folderGraph = new Map();
for (const [file, targets] of imports) {
  const edges = folderGraph.get(folderOf(file)) ?? new Set();
  for (const target of targets) if (folderOf(target) !== folderOf(file)) edges.add(folderOf(target));
  folderGraph.set(folderOf(file), edges);
}
for (const cycle of cycles(folderGraph)) problems.push(`import cycle between folders: ${cycle.join(' → ')}`);

// Sizes.
const perFolder = new Map();
for (const file of files) perFolder.set(folderOf(file), (perFolder.get(folderOf(file)) ?? 0) + 1);
for (const [folder, count] of perFolder) {
  if (count > MAX_FILES_PER_FOLDER) problems.push(`${folder}/ holds ${count} files (at most ${MAX_FILES_PER_FOLDER}): split it by concept`);
}
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  if (lines > MAX_LINES) problems.push(`${rel(file)} has ${lines} lines (at most ${MAX_LINES}): split it`);
}

if (problems.length > 0) {
  console.error(`check-structure: ${problems.length} problem(s)\n` + problems.map((p) => `  - ${p}`).join('\n'));
  process.exit(1);
}
console.log(`check-structure: ${files.length} files in ${perFolder.size} folders, no cycles, layers point one way`);
