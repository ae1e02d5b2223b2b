/** Machine description and the docs/benchmarks.md writer. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { CLUSTER_SECTION } from './cluster-section.js';

const root = new URL('../', import.meta.url);

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')) as { version?: string };
    return json.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function gitRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    return `${rev.toString().trim()}${dirty.length > 0 ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'no commit yet';
  }
}

export function describeMachine(redisVersion: string): string[] {
  const cpus = os.cpus();
  const herald = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version?: string };
  const packages = ['ioredis', 'bullmq', 'typescript', 'pino'].map((p) => `${p} ${packageVersion(p)}`).join(', ');
  return [
    `CPU: ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores (os.availableParallelism ${os.availableParallelism()})`,
    `Memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `Node ${process.version}; redis-server ${redisVersion} (private instance, --save "" --appendonly no, 127.0.0.1)`,
    `Packages: herald ${herald.version ?? 'unknown'} (git ${gitRevision()}), ${packages}`,
  ];
}

export interface DocInput {
  table: string;
  machine: string[];
  runInfo: string[];
  problems: string[];
}

const METHOD = `## Method

Every figure above comes from one invocation of \`npm run bench\`: for each repetition, every
scenario runs Herald and its peer back to back (the order alternates between repetitions;
scenario 6 has two peers, run one after the other on the peer side), on one private
\`redis-server\` started for the run on a free loopback port and flushed between runs. Cells
show the median over the repetitions and, in brackets, min–max. *ratio* is Herald's median
divided by the peer's. A row set against another of Herald's figures (its metric says which
the peer column holds) pairs the two figures of each repetition, which come from the same
scenario run a few seconds apart: its *ratio* is the median of those per-repetition ratios, so
that the machine's drift between repetitions cancels out; it can differ from the ratio of the
two medians shown. *ok* means the target in the last column is met, *below* means it is not
(for latency and memory, lower is better, so the target is a maximum). A throughput whose runs
left events unhandled is marked *below* whatever its ratio, with the number of such runs: its
rate counts only the events that were handled.

1. **Pub/Sub throughput.** Publisher and subscriber run in separate child processes. The
   publisher sends a fresh event per message (envelope with 2 random UUIDs and an ISO
   timestamp; size in "This run"), 1,000 publishes in flight, then awaits them, then
   the next 1,000. The subscriber has 3 async handlers on the type. *published/s*: first
   publish → last publish resolved. *delivered/s end to end*: first publish → the moment the
   last event has been handled by all 3 handlers (clocks: \`performance.timeOrigin + performance.now()\`).
   Peer: raw ioredis with \`enableAutoPipelining: true\`; its subscriber does \`JSON.parse\` and
   \`await Promise.allSettled\` over 3 async functions.
2. **Latency publish → every handler started.** One process with separate connections (for
   Herald: a publishing bus and a subscribing bus). A 1 ms timer loop sends everything that is
   due at 1,000/s and 10,000/s; each payload carries \`performance.now()\` taken before the
   event is built; a sample is the time until the last of the 3 handlers of that event starts.
   The first 500 ms are discarded. Peer: raw ioredis with default options; the rows marked
   *vs peer publishing with enableAutoPipelining* compare the same Herald figures with a second
   peer run whose publishing connection has \`enableAutoPipelining: true\`. Herald does not use
   ioredis auto-pipelining: it writes the first PUBLISH of a tick at once and corks its command
   socket for the rest of the tick, so the others leave in one write.
3. **10 % of handler calls fail once.** Herald: Pub/Sub, separate publisher and subscriber
   processes, 1 handler that throws on the first attempt of every 10th event, retry options
   \`{ retries: 2, minTimeoutMs: 10, jitter: false }\`, otherwise Herald's default bus options
   (\`concurrency\`, \`maxBufferedDeliveries\`: see \`BusOptions\`); the extra rows repeat it
   with \`concurrency: 50\`, the BullMQ worker's setting. Peer: BullMQ,
   separate producer (\`addBulk\` of 1,000) and worker processes, concurrency 50, \`attempts: 3\`,
   exponential backoff 10 ms, \`removeOnComplete: true\`, the processor throws when
   \`attemptsMade === 0 && i % 10 === 0\`. Metric: completed events / (first send → last
   successful completion); *not completed* counts events whose handler never succeeded (for
   Herald, dead-lettered ones).
4. **In-memory.** Herald's \`mode: 'memory'\` bus with 3 counting handlers, events published
   one after another (\`await bus.publish(OrderPlaced.create(...))\`), timed until every handler
   call has happened. Peer: \`EventEmitter\` with 3 async listeners, each event dispatched with
   \`await Promise.allSettled(listeners.map(...))\`, with a fresh envelope per event like
   Herald's \`create()\`. The pre-built row reuses one event object (the method of the original
   peer measurements) and shows what envelope building costs. A 10 % warm-up (at most 20,000
   events) runs first and is not timed.
5. **Subscriber memory.** \`process.resourceUsage().maxRSS\` read inside the subscriber process of
   scenario 1 at the end of the burst. Every child is plain JavaScript under plain \`node\`
   (src/ and bench/ are compiled with \`tsc -p tsconfig.bench.json\` before the run), so RSS
   holds what each side loads and nothing of a TypeScript loader; the *growth* row (peak minus
   RSS right after subscribing) leaves the loaded code out.
6. **Durable mode.** Herald: a \`DurableEventBus\` (\`createEventBus({ mode: 'durable', group:
   'bench', startFrom: 'earliest' })\`, otherwise default options) with 3 async handlers on the
   type, publisher and consumer in separate processes, publishing as in scenario 1. Two peers, both
   run on the peer side of every repetition. *Raw Streams*: ioredis; the publisher XADDs the entry
   Herald writes (\`MAXLEN ~ 1000000 * type <type> envelope <JSON>\`) with
   \`enableAutoPipelining: true\`, 1,000 in flight; the consumer reads through a consumer group
   with \`XREADGROUP COUNT 100 BLOCK 2000\`, \`JSON.parse\`s each entry, awaits
   \`Promise.allSettled\` over 3 async functions for every entry of the batch at once, then sends
   one \`XACK\` for the batch ahead of its next read. *BullMQ*: as in scenario 3 (\`addBulk\` of
   1,000, worker concurrency 50), with a processor that awaits the same 3 no-op async functions
   and never fails. Each of the three is measured on an emptied Redis, three ways. *End to end*:
   the consumer is subscribed, then N events are published; first publish → the last event
   handled by all 3 handlers. *Backlog*: the N events are published while no consumer runs, then
   the consumer starts; the time runs from right before it starts consuming (Herald:
   \`bus.start()\`, which creates the group; raw Streams: \`XGROUP CREATE\`; BullMQ:
   \`new Worker\`) to the last event handled. *Latency*: as in scenario 2, at 1,000/s only, one
   process with separate publishing and consuming connections (BullMQ: \`queue.add\` per event,
   the sample taken when the last of the 3 functions in the processor starts). Targets: Herald's
   end-to-end rate at least 0.6× raw Streams and 5× BullMQ; the other rows are for reading.

The host is a shared VM and medians of the same metric move noticeably between runs taken
minutes apart; "This run" says how much CPU other processes took meanwhile. Compare Herald and
the peer within one run (the ratio column), not absolute figures across runs or machines.`;

const READING = `## Reading the results

- **In-memory, default options.** By default (\`serialize: true\`) handlers get what the JSON
  round trip through Redis gives, deeply frozen, so what your unit tests see is what production
  handlers see (dates as strings, no object shared with the publisher). Until 2026-12-01 that
  was \`JSON.stringify\` and \`JSON.parse\` per event, about half the CPU of this scenario; it is
  now one copy of the objects that follows JSON's rules, frozen as it is built. The peer copies
  nothing. With \`serialize: false\` (handlers get the publisher's envelope object; meant for
  in-process production use) Herald is compared on the next row.
- **Publishing.** Herald does not use ioredis's auto-pipelining: it writes the first PUBLISH of
  a tick at once and corks its command socket for the rest of the tick, so the others leave in
  one write. Measured on this machine with raw ioredis, batching by corking gave more throughput
  than auto-pipelining and a latency tail like unpipelined publishing (auto-pipelining's p99 at
  10,000/s was several times higher), which is why Herald can beat the auto-pipelined raw peer
  in scenario 1.
- **Latency at 1,000/s.** Each repetition's p99 rests on ~50 samples of a 0.3–1 ms tail, which
  moves with whatever else the 2 cores are doing, hence five repetitions and the median. Until
  2026-11-23 Herald corked every publish, also the lone publish of a tick at low rates, and its
  p99 at 1,000/s was 1.03×–2.2× the peer's from run to run. Three A/B pairs of 5-second runs
  that day (same process layout as scenario 2) counted samples slower than 0.8 ms: 51, 83 and
  92 corking every publish, against 44, 49 and 49 writing the first publish of a tick at once,
  which is what Herald does now; the raw peer had 23–51 in the runs next to them.
- **Latency tails under sustained load.** With publisher and subscriber in one process at
  10,000/s, the slow events come in bursts every ~120 ms: young-generation GC pauses of 1–3 ms.
  Herald allocates somewhat more per event than the raw peer (a promise and its bookkeeping per
  publish, a delivery object per handler), so a few more events land behind each pause. In
  two 15-second runs of this scenario (2026-11-23, not the table's 5-second runs) Herald's
  p99 at 10,000/s was 2.27× and 2.20× the peer's (p99.9: 1.92× and 1.29×).
- **Durable mode, end to end vs backlog.** Publisher, consumer and Redis share the machine's
  cores in the end-to-end runs, so when *delivered/s* is close to *published/s* the publisher
  set the pace and the consumers were not the limit; the *backlog* rows time the consumers
  alone. Herald's consumer does more per event than the raw peer: it decodes and checks the
  envelope, runs each handler as its own delivery with retries and a dead-letter path, and
  acknowledges an entry only once all of its handlers have settled.
- **Durable mode, latency.** In the table's run the durable p99 at 1,000/s moved between 0.8 and
  11 ms from one repetition to the next, on both sides (hypervisor steal was 5.1 %), so its
  ratio says little. Three standalone pairs of 5-second runs on 2026-11-23 (same layout as
  scenario 6, an idle machine) gave Herald durable a p99 of 0.93–1.28 ms against raw Streams'
  0.66–0.90 ms.
- **Retries.** A retrying delivery keeps its concurrency slot while it waits (by design, so a
  burst of failures cannot grow work without bound). With the defaults (\`concurrency: 1000\`,
  \`maxBufferedDeliveries: 100000\`) the 10 % failure burst completes without a dead letter; the
  \`concurrency: 50\` rows show that a small limit costs throughput before it costs events.`;

export function writeBenchmarksDoc(input: DocInput): string {
  const file = new URL('docs/benchmarks.md', root);
  mkdirSync(new URL('docs/', root), { recursive: true });
  const problems = input.problems.length === 0 ? ['None.'] : input.problems.map((p) => `- ${p}`);
  const text = [
    '# Benchmarks',
    '',
    'Herald measured side by side with the building blocks and the alternative it replaces:',
    'raw ioredis Pub/Sub, raw Redis Streams, BullMQ, and a plain `EventEmitter`. Generated by',
    '`npm run bench`; do not edit by hand.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench            # full run, writes this file',
    'npm run bench -- --quick # smoke run (small N, 1 repetition), prints only',
    '```',
    '',
    'Needs `/usr/bin/redis-server` (the bench starts and stops its own instance).',
    '',
    '## This run',
    '',
    ...input.runInfo.map((l) => `- ${l}`),
    '',
    '## Machine',
    '',
    ...input.machine.map((l) => `- ${l}`),
    '',
    '## Results',
    '',
    input.table,
    '',
    READING,
    '',
    METHOD,
    '',
    CLUSTER_SECTION,
    '## Problems seen in this run',
    '',
    ...problems,
    '',
  ].join('\n');
  writeFileSync(file, text);
  return file.pathname;
}
