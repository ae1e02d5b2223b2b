// Restores lockfile entries that `npm install` drops on machines whose registry mirror lacks
// other platforms' builds (msgpackr-extract, pulled in by the bullmq dev dependency). Without
// them `npm ci` refuses the lockfile as "out of sync". The entries are optional and for other
// platforms, so `npm ci` never downloads them. Run after any `npm install` that changes deps:
//   node scripts/fix-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const [name, entry] of Object.entries(lock.packages)) {
  for (const dependency of Object.keys(entry.optionalDependencies ?? {})) {
    const key = `${name ? `${name}/` : ''}node_modules/${dependency}`.replace(/^node_modules\/.*\/node_modules\//, 'node_modules/');
    const platform = /-(darwin|linux|win32|freebsd|android)-(arm64|x64|arm|ia32)$/.exec(dependency);
    if (!platform || lock.packages[`node_modules/${dependency}`] || lock.packages[key]) continue;
    lock.packages[`node_modules/${dependency}`] = {
      version: entry.optionalDependencies[dependency],
      cpu: [platform[2]],
      dev: entry.dev ?? false,
      optional: true,
      os: [platform[1]],
    };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lockfile: added ${added} platform entr${added === 1 ? 'y' : 'ies'}`);
