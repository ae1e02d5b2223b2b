import type { AuditRecord } from './audit-log.js';
import type { BusHealth, BusStats } from '../../src/index.js';

/** The machine-checkable part of the summary (the last line of output, after `SUMMARY `). */
export interface Summary {
  readonly transport: BusHealth['transport'];
  readonly published: number;
  readonly handled: number;
  readonly retried: number;
  readonly deadLettered: number;
}

/** A readable report of what happened, then one `SUMMARY {json}` line for scripts and CI. */
export function formatSummary(summary: Summary, audit: readonly AuditRecord[], dlq: { size: number | undefined; inspect: string }): string {
  const n = (value: number) => String(value).padStart(4);
  const lines = [
    '',
    `What happened on this instance (${summary.transport}):`,
    `  published      ${n(summary.published)}  events this instance put on the bus (UserService and handlers' ctx.publish)`,
    `  handled        ${n(summary.handled)}  handler runs that succeeded`,
    `  retried        ${n(summary.retried)}  failed attempts that were tried again (the flaky read model recovering)`,
    `  dead-lettered  ${n(summary.deadLettered)}  deliveries given up on (the hard-bouncing address)`,
    '',
    'Audit trail, grouped by correlationId (one per request):',
    ...auditTrail(audit),
    '',
    dlq.size === undefined
      ? 'Dead-letter queue: could not be read.'
      : `Dead-letter queue now holds ${dlq.size} entr${dlq.size === 1 ? 'y' : 'ies'}. ${dlq.inspect}`,
    `SUMMARY ${JSON.stringify(summary)}`,
  ];
  return lines.join('\n');
}

export function summaryOf(transport: BusHealth['transport'], stats: BusStats): Summary {
  const { published, handled, retried, deadLettered } = stats;
  return { transport, published, handled, retried, deadLettered };
}

function auditTrail(records: readonly AuditRecord[]): string[] {
  const byCorrelation = new Map<string, AuditRecord[]>();
  for (const record of records) {
    const group = byCorrelation.get(record.correlationId);
    if (group) group.push(record);
    else byCorrelation.set(record.correlationId, [record]);
  }
  const short = (id: string | undefined) => (id === undefined ? '-' : id.slice(0, 8));
  const lines: string[] = [];
  for (const [correlationId, group] of byCorrelation) {
    lines.push(`  ${correlationId}`);
    for (const r of group) {
      const cause = r.causationId === undefined ? 'from the request' : `caused by ${short(r.causationId)}`;
      lines.push(`    ${r.type.padEnd(24)} ${short(r.eventId)}  ${cause}  (${r.source ?? 'unknown source'})`);
    }
  }
  return lines.length > 0 ? lines : ['  (none)'];
}
