import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DeadLetterEntry, type DeadLetterInput, RedisDeadLetterQueue } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { herald, heraldJson, useQueueFixture } from './cli-harness.js';

const redis = useRedisServer();
let prefix: string;
let queue: RedisDeadLetterQueue;
useQueueFixture(redis, (state) => ({ prefix, queue } = state));

function at(...args: string[]): string[] {
  return [...args, '--redis-url', redis.url, '--prefix', prefix];
}

function failure(type: string, handler: string, reason: DeadLetterInput['reason'], n: number): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason,
    envelope: { id: `evt-${n}`, type, timestamp: now, correlationId: `req-${n}`, payload: { n, note: 'line\nbreak "quoted"' } },
    handler,
    error: { name: 'Error', message: `failed ${n}`, stack: `Error: failed ${n}\n    at x (y.ts:1:1)` },
    attempts: 2,
    firstFailedAt: now,
    lastFailedAt: now,
    instance: 'shop/i-1',
  };
}

async function seed(): Promise<DeadLetterEntry[]> {
  return [
    await queue.add(failure('order.placed', 'send-receipt', 'retries-exhausted', 1)),
    await queue.add(failure('order.placed', 'send-receipt', 'non-retryable', 2)),
    await queue.add(failure('payment.failed', 'charge-card', 'non-retryable', 3)),
  ];
}

describe('herald dlq list --reason', () => {
  it('filters by reason, alone or with the other filters, and shows a reason column', async () => {
    const entries = await seed();
    const byReason = await heraldJson(at('dlq', 'list', '--reason', 'non-retryable'));
    const combined = await heraldJson(at('dlq', 'list', '--reason', 'non-retryable', '--handler', 'send-receipt'));
    const table = await herald(at('dlq', 'list', '--reason', 'retries-exhausted'));
    expect(byReason.doc).toEqual({ total: 2, entries: [entries[1], entries[2]] });
    expect(combined.doc).toEqual({ total: 1, entries: [entries[1]] });
    expect(table.stdout).toMatch(new RegExp(`${entries[0]!.id}\\s+order\\.placed\\s+send-receipt\\s+retries-exhausted\\s+2\\s+Error: failed 1`));
    expect(table.stdout).toContain(`Showing 1-1 of 1 under prefix "${prefix}" matching reason retries-exhausted.`);
  });
});

describe('herald dlq purge with filters', () => {
  it('removes only the matching entries, and still asks first', async () => {
    const entries = await seed();
    const refused = await herald(at('dlq', 'purge', '--reason', 'non-retryable'));
    const purged = await heraldJson(at('dlq', 'purge', '--yes', '--reason', 'non-retryable', '--type', 'order.placed'));
    const byHandler = await heraldJson(at('dlq', 'purge', '--yes', '--handler', 'charge-card'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/purge deletes the 2 dead letters under prefix .* matching reason non-retryable for good/);
    expect(purged.doc).toEqual({ purged: 1 });
    expect(byHandler.doc).toEqual({ purged: 1 });
    expect((await queue.list()).entries).toEqual([entries[0]]);
  });
});

describe('herald dlq export and import', () => {
  it('exports NDJSON to stdout, and imports it under another prefix with new ids', async () => {
    const entries = await seed();
    const exported = await herald(at('dlq', 'export'));
    const lines = exported.stdout.trimEnd().split('\n');
    expect(exported.code).toBe(0);
    expect(lines.map((line) => JSON.parse(line))).toEqual(entries);
    expect(exported.stderr).toContain('Exported 3 dead letters');

    const file = join(tmpdir(), `herald-${prefix}.ndjson`);
    await writeFile(file, exported.stdout);
    const target = `${prefix}-staging`;
    const imported = await heraldJson(['dlq', 'import', file, '--redis-url', redis.url, '--prefix', target]);
    expect(imported.run.code).toBe(0);
    expect(imported.doc).toEqual({ imported: 3 });
    const listed = await heraldJson(['dlq', 'list', '--redis-url', redis.url, '--prefix', target]);
    expect(listed.doc.entries).toHaveLength(3);
    listed.doc.entries.forEach((copy: DeadLetterEntry, i: number) => {
      const { id, deadLetteredAt: _deadLetteredAt, ...input } = entries[i]!;
      expect(copy.id).not.toBe(id);
      expect(copy).toMatchObject(input);
    });
    await herald(['dlq', 'purge', '--yes', '--redis-url', redis.url, '--prefix', target]);
  });

  it('exports the matching entries to a file with --out', async () => {
    const entries = await seed();
    const file = join(tmpdir(), `herald-${prefix}-out.ndjson`);
    const { run, doc } = await heraldJson(at('dlq', 'export', '--out', file, '--reason', 'non-retryable'));
    expect(run.code).toBe(0);
    expect(doc).toEqual({ exported: 2, out: file });
    expect((await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([entries[1], entries[2]]);
  });

  it('imports from stdin, and imports nothing when a line is not an entry', async () => {
    const good = JSON.stringify(failure('order.placed', 'send-receipt', 'retries-exhausted', 7));
    const fromStdin = await herald(at('dlq', 'import'), {}, `${good}\n\n${good}\n`);
    const broken = await herald(at('dlq', 'import', '-'), {}, `${good}\n{"reason":"retries-exhausted"}\nnot json\n`);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(`Imported 2 dead letters under prefix "${prefix}", with new ids.\n`);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Nothing imported: 2 lines are not a dead-letter entry.*\n {2}line 2: no error \{ name, message \}\n {2}line 3: not JSON/);
    expect(await queue.count()).toBe(2);
  });
});

describe('herald --version', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const { code, stdout } = await herald(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });
});
