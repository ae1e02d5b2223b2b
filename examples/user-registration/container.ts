import { Container } from 'inversify';
import { eventBusModule, type Logger, type MetricsOptions } from '../../src/index.js';
import { AuditLog } from './audit-log.js';
import { SendWelcomeEmail } from './handlers/send-welcome-email.js';
import { UpdateUserStatistics } from './handlers/update-user-statistics.js';
import { WriteAuditRecord } from './handlers/write-audit-record.js';
import { Mailer } from './mailer.js';
import { UserService } from './user-service.js';
import { UserStatistics } from './user-statistics.js';

/**
 * The composition root. Redis when REDIS_URL is set, in memory otherwise;
 * HERALD_PREFIX picks the key space (both read by the bus itself). With
 * `metrics`, the bus exports Prometheus metrics on its registry.
 */
export function createContainer(logger: Logger, metrics?: MetricsOptions): Container {
  const container = new Container();
  container.load(
    eventBusModule({
      service: 'user-registration',
      logger,
      ...(metrics ? { metrics } : {}),
      handlers: [SendWelcomeEmail, UpdateUserStatistics, WriteAuditRecord],
    }),
  );
  container.bind(UserService).toSelf().inSingletonScope();
  container.bind(Mailer).toSelf().inSingletonScope();
  container.bind(UserStatistics).toSelf().inSingletonScope();
  container.bind(AuditLog).toSelf().inSingletonScope();
  return container;
}
