import type { ContainerModule, ResolutionContext } from 'inversify';
import type { DeadLetterQueue } from '../domain/dead-letters/dead-letter.js';
import type { EventBus } from '../domain/event-bus.js';
import type { Logger } from '../domain/logger.js';
import { resolveLogger } from '../infrastructure/shared/logging.js';
import { ContainerEventBus } from './container-event-bus.js';
import { createEventBus, type CreateEventBusOptions } from './create-event-bus.js';
import type { EventHandlerClass } from './event-handler.decorator.js';
import { describeHandler } from './handler-discovery.js';
import { loadInversify } from './optional-peers.js';
import { TYPES } from './tokens.js';

/** Options of {@link eventBusModule}: those of `createEventBus`, plus the handler classes. */
export interface EventBusModuleOptions extends CreateEventBusOptions {
  /**
   * Classes decorated with @EventHandler. Each is bound in singleton scope,
   * resolved from the container and subscribed when the bus starts.
   * @default []
   */
  readonly handlers?: readonly EventHandlerClass[];
}

/**
 * An inversify module that binds `TYPES.EventBus` (singleton), `TYPES.DeadLetterQueue`,
 * `TYPES.Logger` and the listed handler classes. The bus resolves the handlers from
 * this container and subscribes them on `start()`; nothing is registered globally,
 * so two containers never share handlers. Handlers are singletons: one instance per
 * container, built on the first `start()`.
 *
 * @param options - bus options as for `createEventBus` (`redisUrl`, `prefix`, `mode`,
 *   `logger`, `retry`, ...) and `handlers`.
 * @throws MissingDependencyError when the optional peer dependency inversify is not installed.
 * @throws TypeError when a listed class is not decorated with @EventHandler or is listed twice,
 *   and (from `container.load`) when the container already has an event bus.
 * @example
 * const container = new Container();
 * container.load(eventBusModule({ redisUrl: process.env.REDIS_URL, handlers: [SendWelcomeEmail] }));
 * container.bind(UserService).toSelf();
 * const bus = container.get<EventBus>(TYPES.EventBus);
 * await bus.start(); // subscribes SendWelcomeEmail
 */
export function eventBusModule(options: EventBusModuleOptions = {}): ContainerModule {
  const { handlers = [], ...busOptions } = options;
  const listed = validateHandlers(handlers);
  return new (loadInversify().ContainerModule)(({ bind, isBound }) => {
    if (isBound(TYPES.EventBus)) {
      throw new TypeError(
        'This container already has an event bus: load eventBusModule() once per container and list every handler class in its `handlers`.',
      );
    }
    bind<Logger>(TYPES.Logger)
      .toDynamicValue(() => resolveLogger(busOptions.logger))
      .inSingletonScope();
    bind<EventBus>(TYPES.EventBus)
      .toDynamicValue((context: ResolutionContext) => {
        const logger = context.get<Logger>(TYPES.Logger);
        const bus = createEventBus({ ...busOptions, logger });
        // `context` stays usable after this factory returns; the bus resolves handlers with it on start().
        return new ContainerEventBus(bus, listed, (handler) => context.get(handler), logger);
      })
      .inSingletonScope();
    bind<DeadLetterQueue>(TYPES.DeadLetterQueue)
      .toDynamicValue((context: ResolutionContext) => context.get<ContainerEventBus>(TYPES.EventBus).deadLetters)
      .inSingletonScope();
    for (const handler of listed) bind(handler).toSelf().inSingletonScope();
  });
}

function validateHandlers(handlers: readonly EventHandlerClass[]): readonly EventHandlerClass[] {
  if (!Array.isArray(handlers)) {
    throw new TypeError(`Expected \`handlers\` to be an array of @EventHandler classes, got ${typeof handlers}.`);
  }
  const seen = new Set<EventHandlerClass>();
  for (const handler of handlers) {
    if (typeof handler !== 'function') {
      throw new TypeError(`Expected \`handlers\` to hold @EventHandler classes, got ${JSON.stringify(handler)}.`);
    }
    describeHandler(handler);
    if (seen.has(handler)) throw new TypeError(`${handler.name} is listed twice in \`handlers\`; list each class once.`);
    seen.add(handler);
  }
  return Object.freeze([...handlers]);
}
