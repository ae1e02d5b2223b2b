#!/usr/bin/env node
// The `herald` command. Runs the compiled CLI; build it with `npm run build`.
import('../dist/src/cli/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('herald: the CLI is not built yet; run `npm run build` in the herald package first.\n');
    process.exitCode = 1;
    return;
  }
  throw error;
});
