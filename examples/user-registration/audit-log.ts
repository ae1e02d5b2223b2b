import { injectable } from 'inversify';

/** One line of the audit trail: what happened, in which request, caused by which event. */
export interface AuditRecord {
  readonly type: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly source: string | undefined;
}

/** Append-only audit trail (in memory here; a table or a log shipper in real life). */
@injectable()
export class AuditLog {
  readonly records: AuditRecord[] = [];

  async append(record: AuditRecord): Promise<void> {
    this.records.push(record);
  }
}
