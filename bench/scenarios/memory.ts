/**
 * Scenario 4: in-memory dispatch, Herald's memory bus vs EventEmitter + await Promise.allSettled
 * over 3 async listeners, events one after another. The peer also runs once more with a pre-built
 * event (the anchor's method) as a reference row.
 */
import { BenchChild } from '../child.js';
import type { MemoryArgs, MemoryResult } from '../workers/protocol.js';
import { fmt } from './pubsub.js';
import type { Figures, Scenario } from './types.js';

async function runMemoryChild(
  label: string,
  file: string,
  args: MemoryArgs,
  warnings: string[],
): Promise<MemoryResult> {
  const child = new BenchChild(label, file, args, args.deadlineMs + 5000);
  try {
    const result = await child.expect<MemoryResult>('result');
    await child.closed();
    warnings.push(...child.warnings);
    return result;
  } finally {
    child.kill();
  }
}

export const memoryScenario: Scenario = {
  id: 'memory',
  title: 'In-memory bus vs EventEmitter',
  async run(side, env) {
    const n = env.sizes.memoryN;
    const args: MemoryArgs = { n, warmup: Math.min(20_000, Math.floor(n / 10)), deadlineMs: env.sizes.childTimeoutMs };
    const figures: Figures = {};
    const warnings: string[] = [];
    if (side === 'herald') {
      const r = await runMemoryChild('memory/herald', 'herald-memory.ts', args, warnings);
      const fast = await runMemoryChild('memory/herald-no-json', 'herald-memory.ts', { ...args, serialize: false }, warnings);
      const checked = await runMemoryChild('memory/herald-zod', 'herald-memory.ts', { ...args, schema: true }, warnings);
      figures['memory.rate'] = r.eventsPerSec;
      figures['memory.fast'] = fast.eventsPerSec;
      figures['memory.zod'] = checked.eventsPerSec;
      return {
        figures,
        warnings,
        summary: `${fmt(r.eventsPerSec)} events/s, ${fmt(fast.eventsPerSec)} events/s with serialize: false, ${fmt(checked.eventsPerSec)} events/s with a zod schema`,
      };
    }
    const fresh = await runMemoryChild('memory/peer', 'peer-memory.ts', args, warnings);
    const prebuilt = await runMemoryChild('memory/peer-prebuilt', 'peer-memory.ts', { ...args, prebuilt: true }, warnings);
    figures['memory.rate'] = fresh.eventsPerSec;
    figures['memory.prebuilt'] = prebuilt.eventsPerSec;
    return {
      figures,
      warnings,
      summary: `${fmt(fresh.eventsPerSec)} events/s fresh envelope, ${fmt(prebuilt.eventsPerSec)} events/s pre-built`,
    };
  },
};
