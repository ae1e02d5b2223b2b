/**
 * Compiles src/ and bench/ to plain JavaScript in .bench-build/ so that every bench child runs
 * under plain `node`. Under the tsx loader each process carries about 25 MiB of transpiler and
 * source maps, and Herald's side pays it for dozens of TypeScript files while a peer that loads
 * only ioredis pays little: the memory rows would measure the loader, not the bus.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
/** Where the compiled workers live: .bench-build/bench/workers/. */
export const compiledWorkers = new URL('../.bench-build/bench/workers/', import.meta.url);

export function compileBench(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.bench.json'], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`tsc -p tsconfig.bench.json failed (exit ${run.status}); run it yourself to see why:\n${run.stdout}${run.stderr}`);
  }
  console.log(`bench: compiled src/ and bench/ to .bench-build/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
