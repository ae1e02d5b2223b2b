import { nextTurn } from '../shared/next-turn.js';
import type { MessageSink, WireMessage } from '../transport/transport.js';

/**
 * Hands the messages of one socket read to the bus one at a time, each after
 * the work the previous one started has had its microtasks.
 *
 * ioredis parses a read and emits every message in it at once. Handed straight
 * to the bus, each was decoded and its handlers started before any handler of
 * the read could finish, so a flood kept the envelopes, deliveries and promises
 * of a whole read (hundreds of events) alive at every scavenge, and V8 doubled
 * its young generation to hold them: about 16 MiB more resident memory than a
 * subscriber that holds less. Here the first message of a read goes to the bus
 * at once, as before; the others wait, as the strings ioredis already made, and
 * go one per microtask turn, so an event whose handlers finish at once (the
 * usual case) is done before the next one is decoded. At a rate low enough for
 * one message per read, nothing changes but one promise reaction per read.
 *
 * Nothing waits longer: microtasks run before the next I/O callback, so every
 * message of a read is handed on before the next read, in the order received;
 * copies of one message (a channel and a pattern both matching) stay back to
 * back. A message still queued when the subscriber stops is dropped, as one
 * arriving after the stop is. Pub/Sub messages carry no receipt, so none is
 * passed on.
 */
export function pacedSink(sink: MessageSink, receiving: () => boolean): MessageSink {
  // Flat triples (message, channel, selector): no object per message. Emptied by index, not by
  // `length = 0`, which would drop the array's storage and make the next read allocate it again.
  const queue: (WireMessage | string | undefined)[] = [];
  let head = 0;
  let tail = 0;
  let inRead = false;
  const next = (): void => {
    if (head === tail) {
      head = 0;
      tail = 0;
      inRead = false;
      return;
    }
    const at = head;
    head += 3;
    const message = queue[at] as WireMessage;
    queue[at] = undefined; // the text may go once its event is decoded
    try {
      if (receiving()) sink(message, queue[at + 1] as string, queue[at + 2] as string | undefined);
    } finally {
      // Also after a throw, which surfaces as it did from ioredis's emit: the rest of the read still goes on.
      nextTurn(next);
    }
  };
  return (message, channel, selector) => {
    if (inRead) {
      queue[tail] = message;
      queue[tail + 1] = channel;
      queue[tail + 2] = selector;
      tail += 3;
      return;
    }
    inRead = true;
    try {
      sink(message, channel, selector);
    } finally {
      // Queued after the reactions this message's handlers queued, so those run first.
      nextTurn(next);
    }
  };
}
