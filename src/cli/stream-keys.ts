// Durable mode's Redis key names, as the streams transport writes them
// (src/infrastructure/redis/channels.ts: streamPrefix, streamTypes). Written out
// here so the CLI does not reach into the infrastructure; keep the two in step.

/** The stream of one event type: `<prefix>:stream|<type>`. */
export function streamKey(prefix: string, type: string): string {
  return `${prefix}:stream|${type}`;
}

/** The set of event types published to streams: `<prefix>:stream-types`. */
export function streamTypesKey(prefix: string): string {
  return `${prefix}:stream-types`;
}
