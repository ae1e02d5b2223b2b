/**
 * Raw Redis Streams consumer: one consumer in the group, JSON.parse, then 3 async functions
 * awaited with Promise.allSettled per entry, one XACK per batch. Reports when every entry has
 * been handled (or the count stalls).
 */
import { Redis } from 'ioredis';
import type { PeerEnvelope } from '../envelope.js';
import { fromParent, gate, maxRssMiB, now, readArgs, rssMiB, runChild, send, waitUntil } from './child-io.js';
import { StreamConsumer } from './peer-streams.js';
import type { SubscribeArgs, SubscribeResult } from './protocol.js';

const args = readArgs<SubscribeArgs>();

runChild('peer-streams-sub', args.deadlineMs, async () => {
  if (args.mode !== 'fanout') throw new Error(`peer-streams-sub supports mode 'fanout' only, got ${args.mode}`);
  let calls = 0;
  let handled = 0;
  let tLast = 0;
  const handler = async (_env: PeerEnvelope): Promise<void> => {
    calls += 1;
  };
  const consumer = new StreamConsumer(new Redis(args.redisUrl), async (env) => {
    await Promise.allSettled([handler(env), handler(env), handler(env)]);
    handled += 1;
    tLast = now();
  });
  // start() begins reading what already waits in the stream.
  if (args.backlog === true) await gate();
  const tStart = now();
  await consumer.start();
  const rssReadyMiB = rssMiB();
  const published = fromParent('published');
  await send({ type: 'ready', data: { rssMiB: rssReadyMiB } });

  await published;
  const done = waitUntil(() => handled >= args.n, () => handled, { stallMs: args.stallMs, maxMs: args.deadlineMs });
  await Promise.race([done, consumer.failed()]);
  if (calls !== handled * 3) throw new Error(`handler calls ${calls} != 3 x handled ${handled}`);
  const result: SubscribeResult = { handled, tLast, tStart, failedAttempts: 0, maxRssMiB: maxRssMiB(), rssReadyMiB };
  return { result, cleanup: () => consumer.stop() };
});
