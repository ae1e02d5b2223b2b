import type { RedisKeys } from '../redis/redis-keys.js';
import type { SendCommand } from '../redis/redis-publisher.js';

/**
 * The publish command on a Redis Cluster: SPUBLISH, which Redis forwards only
 * to the replicas of the channel's shard, where classic PUBLISH is broadcast
 * to every node of the cluster. The first time this process publishes a type
 * it also adds the type to {@link RedisKeys.eventTypes}, where pattern
 * subscriptions find the channels to subscribe to (sharded Pub/Sub has no patterns).
 * When the type is new to the prefix (SADD added it), the event also goes to
 * {@link RedisKeys.typeAnnouncements} as `<type>\n<envelope>`, so that pattern
 * subscribers get it and subscribe to the new channel.
 */
export function shardedPublish(keys: RedisKeys): SendCommand {
  const recorded = new Set<string>();
  return (redis, channel, raw, type) => {
    if (recorded.has(type)) return redis.spublish(channel, raw) as Promise<number>;
    recorded.add(type);
    // Once per type and process: the SADD's answer decides whether to announce the type.
    return redis.sadd(keys.eventTypes, type).then(
      (added) => {
        const sent = redis.spublish(channel, raw) as Promise<number>;
        if (added !== 1) return sent;
        // Resolved once both are out, so the next event of the type follows the announcement.
        const announced = (redis.spublish(keys.typeAnnouncements, `${type}\n${raw}`) as Promise<number>).catch(() => 0);
        return Promise.all([sent, announced]).then(([receivers, listeners]) => receivers + listeners);
      },
      (error: unknown) => {
        recorded.delete(type);
        throw error;
      },
    );
  };
}
