import { inject, injectable } from 'inversify';
import { EventHandler, type EventEnvelope } from '../../../src/index.js';
import { AuditLog } from '../audit-log.js';

/** Records every user event, whatever its type: a pattern subscription with an untyped payload. */
@EventHandler('user.*')
@injectable()
export class WriteAuditRecord {
  constructor(@inject(AuditLog) private readonly audit: AuditLog) {}

  async handle(event: EventEnvelope): Promise<void> {
    await this.audit.append({
      type: event.type,
      eventId: event.id,
      correlationId: event.correlationId,
      causationId: event.causationId,
      source: event.source,
    });
  }
}
