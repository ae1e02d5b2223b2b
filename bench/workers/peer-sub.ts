/**
 * Peer subscriber: raw ioredis, JSON.parse, then 3 async functions awaited with
 * Promise.allSettled. Reports when every message has been handled (or the count stalls).
 */
import { Redis } from 'ioredis';
import { PEER_CHANNEL, type PeerEnvelope } from '../envelope.js';
import { fromParent, maxRssMiB, now, readArgs, rssMiB, runChild, send, waitUntil } from './child-io.js';
import type { SubscribeArgs, SubscribeResult } from './protocol.js';

const args = readArgs<SubscribeArgs>();

runChild('peer-sub', args.deadlineMs, async () => {
  if (args.mode !== 'fanout') throw new Error(`peer-sub supports mode 'fanout' only, got ${args.mode}`);
  let calls = 0;
  let handled = 0;
  let tLast = 0;
  const handler = async (_env: PeerEnvelope): Promise<void> => {
    calls += 1;
  };
  const dispatch = async (env: PeerEnvelope): Promise<void> => {
    await Promise.allSettled([handler(env), handler(env), handler(env)]);
    handled += 1;
    tLast = now();
  };

  const redis = new Redis(args.redisUrl);
  redis.on('message', (_channel: string, message: string) => {
    void dispatch(JSON.parse(message) as PeerEnvelope);
  });
  await redis.subscribe(PEER_CHANNEL);
  const rssReadyMiB = rssMiB();
  const published = fromParent('published');
  await send({ type: 'ready', data: { rssMiB: rssReadyMiB } });

  await published;
  await waitUntil(() => handled >= args.n, () => handled, { stallMs: args.stallMs, maxMs: args.deadlineMs });
  if (calls !== handled * 3) throw new Error(`handler calls ${calls} != 3 x handled ${handled}`);
  const result: SubscribeResult = { handled, tLast, failedAttempts: 0, maxRssMiB: maxRssMiB(), rssReadyMiB };
  return { result, cleanup: async () => void (await redis.quit()) };
});
