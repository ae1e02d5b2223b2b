/**
 * Peer latency: raw ioredis, one publisher and one subscriber connection. The publisher uses
 * default options, or enableAutoPipelining when `autoPipelining` is set.
 */
import { Redis } from 'ioredis';
import { makeEnvelope, PEER_CHANNEL, type PeerEnvelope } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { driveRate, StartProbe } from './latency-driver.js';
import type { LatencyArgs, LatencyResult, RateLatency } from './protocol.js';

const args = readArgs<LatencyArgs>();

runChild('peer-latency', args.deadlineMs, async () => {
  const probe = new StartProbe();
  const handler = async (env: PeerEnvelope): Promise<void> => {
    probe.started(env.id, env.payload.sentAt);
  };
  const pub = new Redis(args.redisUrl, { enableAutoPipelining: args.autoPipelining === true });
  const sub = new Redis(args.redisUrl);
  sub.on('message', (_channel: string, message: string) => {
    const env = JSON.parse(message) as PeerEnvelope;
    void Promise.allSettled([handler(env), handler(env), handler(env)]);
  });
  await sub.subscribe(PEER_CHANNEL);
  await pub.ping();

  const send = (seq: number, sentAt: number): Promise<number> =>
    pub.publish(PEER_CHANNEL, JSON.stringify(makeEnvelope(seq, sentAt)));
  const rates: RateLatency[] = [];
  for (const rate of args.rates) rates.push(await driveRate(rate, args, send, probe));
  const result: LatencyResult = { rates };
  return { result, cleanup: async () => void (await Promise.all([pub.quit(), sub.quit()])) };
});
