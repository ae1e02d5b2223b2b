/**
 * Inversify service identifiers of what {@link eventBusModule} binds. They are
 * `Symbol.for` keys so that two copies of Herald in one process agree on them.
 *
 * @example
 * constructor(@inject(TYPES.EventBus) private readonly bus: EventBus) {}
 */
export const TYPES = Object.freeze({
  /** The {@link EventBus} (singleton per container); subscribes the module's handlers on `start()`. */
  EventBus: Symbol.for('herald.EventBus'),
  /** The {@link DeadLetterQueue} the bus writes to (the Redis list `<prefix>:dlq`, or in memory). */
  DeadLetterQueue: Symbol.for('herald.DeadLetterQueue'),
  /** The {@link Logger} the bus logs with (pino unless the `logger` option says otherwise). */
  Logger: Symbol.for('herald.Logger'),
});
