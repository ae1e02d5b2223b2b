import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { age, entryTable, oneLine, printable } from '../../src/cli/format.js';
import type { CliIo, CliOutput } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { type DeadLetterInput, InMemoryBroker, InMemoryDeadLetterQueue, InMemoryEventBus } from '../../src/index.js';

function output(isTTY: boolean, columns?: number): CliOutput & { text: string } {
  const out = {
    text: '',
    isTTY,
    columns,
    write(text: string) {
      out.text += text;
    },
  };
  return out;
}

function fakeIo(options: { tty?: boolean; answer?: string; columns?: number } = {}) {
  const tty = options.tty ?? false;
  const questions: string[] = [];
  const io = {
    stdout: output(tty, tty ? options.columns ?? 100 : undefined),
    stderr: output(tty, tty ? options.columns ?? 100 : undefined),
    interactive: tty,
    env: { REDIS_URL: 'redis://unused:6379' },
    prompt: async (question: string) => {
      questions.push(question);
      return options.answer ?? '';
    },
    now: () => new Date('2026-11-22T12:00:00.000Z'),
  } satisfies CliIo;
  return { io, questions };
}

function failure(handler: string, n: number, message = 'mail server down'): DeadLetterInput {
  const at = '2026-11-22T11:00:00.000Z';
  return {
    reason: 'retries-exhausted',
    envelope: { id: `evt-${n}`, type: 'order.placed', timestamp: at, correlationId: `req-${n}`, payload: {} },
    handler,
    error: { name: 'Error', message },
    attempts: 3,
    firstFailedAt: at,
    lastFailedAt: at,
  };
}

/** Runs `herald` against an in-memory queue instead of Redis. */
function cli(queue: InMemoryDeadLetterQueue, io: CliIo, ...args: string[]) {
  return runCli(args, { io, open: async () => ({ queue, close: async () => {} }) });
}

describe('herald dlq purge on a terminal', () => {
  it('asks first and purges only after "yes"', async () => {
    const queue = new InMemoryDeadLetterQueue();
    await queue.add(failure('send-receipt', 1));
    const refused = fakeIo({ tty: true, answer: 'n' });
    const confirmed = fakeIo({ tty: true, answer: 'yes' });

    expect(await cli(queue, refused.io, 'dlq', 'purge')).toBe(1);
    expect(refused.questions).toEqual(['Delete all 1 dead letter under prefix "herald" for good? Type "yes" to confirm: ']);
    expect(await queue.count()).toBe(1);
    expect(await cli(queue, confirmed.io, 'dlq', 'purge')).toBe(0);
    expect(confirmed.io.stdout.text).toBe('Purged 1 dead letter under prefix "herald".\n');
    expect(await queue.count()).toBe(0);
  });
});

describe('herald dlq replay --all', () => {
  async function queueWithBus(entries: number) {
    const queue = new InMemoryDeadLetterQueue();
    const bus = new InMemoryEventBus({ deadLetterQueue: queue, broker: new InMemoryBroker(), logger: false });
    bus.subscribe('order.placed', () => {}, { name: 'send-receipt' });
    await bus.start();
    for (let i = 0; i < entries; i++) await queue.add(failure('send-receipt', i));
    await queue.add(failure('charge-card', 99));
    return { queue, bus };
  }

  it('draws a progress bar on a terminal and sums up what stays', async () => {
    const { queue, bus } = await queueWithBus(3);
    const { io } = fakeIo({ tty: true });
    expect(await cli(queue, io, 'dlq', 'replay', '--all')).toBe(1);
    await bus.shutdown();
    expect(io.stderr.text).toContain('\r');
    expect(io.stderr.text).toMatch(/replaying \[#{30}\] 4\/4 100% {2}ok 3 {2}failed 1\n/);
    expect(io.stdout.text).toBe('Replayed 3 of 4 entries.\n');
    expect(io.stderr.text).toMatch(/1 stay in the DLQ \(1 no-handler\):\n {2}\S+ {2}No started bus has handler "charge-card"/);
  });

  it('writes no progress bar when stderr is not a terminal, and one JSON document with --json', async () => {
    const { queue, bus } = await queueWithBus(2);
    const { io } = fakeIo();
    expect(await cli(queue, io, 'dlq', 'replay', '--all', '--json')).toBe(1);
    await bus.shutdown();
    expect(io.stderr.text).toBe('');
    const doc = JSON.parse(io.stdout.text);
    expect(doc.replayed).toHaveLength(2);
    expect(doc.failed).toEqual([{ id: expect.any(String), code: 'no-handler', reason: expect.stringContaining('charge-card') }]);
  });
});

describe('CLI formatting', () => {
  it('neutralises control characters from entries so they cannot drive the terminal', () => {
    expect(printable('ok\u001b[31mred\u0007\r')).toBe('ok?[31mred??');
    expect(printable('line one\nline two\ttab')).toBe('line one\nline two\ttab');
  });

  it('cuts to one line with an ellipsis', () => {
    expect(oneLine('first\n  second', 100)).toBe('first second');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });

  it('says ages in the largest whole unit', () => {
    const now = new Date('2026-11-22T12:00:00.000Z');
    expect(age('2026-11-22T11:59:15.000Z', now)).toBe('45s');
    expect(age('2026-11-22T11:30:00.000Z', now)).toBe('30m');
    expect(age('2026-11-22T07:00:00.000Z', now)).toBe('5h');
    expect(age('2026-11-12T12:00:00.000Z', now)).toBe('10d');
    expect(age('not a date', now)).toBe('?');
  });

  it('fits the table to the terminal by cutting the error column', async () => {
    const queue = new InMemoryDeadLetterQueue();
    const long = await queue.add(failure('send-receipt', 1, 'x'.repeat(300)));
    const table = entryTable([long], new Date(Date.parse(long.deadLetteredAt) + 2 * 3_600_000), 120);
    const [header, row] = table.split('\n');
    expect(row!.length).toBeLessThanOrEqual(120);
    expect(row).toMatch(/x…\s+2h$/);
    expect(header!.indexOf('AGE')).toBe(row!.search(/\d+h$/));
  });
});

describe('dead letters of events that failed their contract', () => {
  const at = '2026-11-22T11:00:00.000Z';
  const contractFailure: DeadLetterInput = {
    reason: 'invalid-payload',
    envelope: { id: 'evt-1', type: 'user.registered', timestamp: at, correlationId: 'req-1', payload: { lines: [{}] } },
    issues: [
      { path: ['email'], message: 'Invalid email address' },
      { path: ['lines', 0, 'sku'], message: 'Required' },
    ],
    error: { name: 'InvalidPayloadError', message: 'The payload of "user.registered" (version 1) does not match its schema', code: 'HERALD_INVALID_PAYLOAD' },
    attempts: 0,
    firstFailedAt: at,
    lastFailedAt: at,
  };

  it('herald dlq show lists the issues and says no handler ran', async () => {
    const queue = new InMemoryDeadLetterQueue();
    const entry = await queue.add(contractFailure);
    const { io } = fakeIo();
    expect(await cli(queue, io, 'dlq', 'show', entry.id)).toBe(0);
    expect(io.stdout.text).toMatch(/handler: +- \(failed its contract before any handler ran: nothing to replay\)/);
    expect(io.stdout.text).toContain('\nissues:\n  email: Invalid email address\n  lines[0].sku: Required\n');
  });

  it('herald dlq export and import keep their reason and issues', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-transfer-'));
    try {
      const from = new InMemoryDeadLetterQueue();
      const to = new InMemoryDeadLetterQueue();
      await from.add(contractFailure);
      await from.add({ ...contractFailure, reason: 'unknown-version', issues: [{ path: [], message: 'version 3 is newer than 2, the version this consumer knows' }] });
      const file = join(dir, 'dlq.ndjson');
      expect(await cli(from, fakeIo().io, 'dlq', 'export', '--out', file)).toBe(0);
      const imported = fakeIo();
      expect(await cli(to, imported.io, 'dlq', 'import', file)).toBe(0);
      const { entries } = await to.list();
      expect(entries.map((e) => [e.reason, e.issues])).toEqual([
        ['invalid-payload', contractFailure.issues],
        ['unknown-version', [{ path: [], message: 'version 3 is newer than 2, the version this consumer knows' }]],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
