import { processIo } from './cli-io.js';
import { openRedisDeadLetterQueue } from '../index.js';
import { runCli } from './run-cli.js';
import { signingFromEnv } from './signing-env.js';

// Entry point of `herald` (bin/herald.js imports the compiled copy).
const io = processIo();
process.exitCode = await runCli(process.argv.slice(2), {
  io,
  open: ({ redisUrl, prefix }) => openRedisDeadLetterQueue({ redisUrl, prefix, ...signingFromEnv(process.env) }),
});
