// Herald's one public entry point: named exports only, types as `export type`.
export { defineEvent } from './domain/event-definition.js';
export type { EventDefinition, EventOf, PayloadOf } from './domain/event-definition.js';
export type {
  EventContract,
  EventContractOptions,
  JsonSchema,
  JsonSchemaSource,
  PayloadIssue,
  SchemaContractOptions,
  Upcaster,
  Upcasters,
} from './domain/event-contract.js';
export { validateForPublish } from './domain/contracts/payload-validation.js';
export type { MaybePromise } from './domain/contracts/payload-validation.js';
export { prepareReceived } from './domain/contracts/receive-preparation.js';
export type { ContractFailureReason, Received, ReceiveAccepted, ReceiveRejected } from './domain/contracts/receive-preparation.js';
export { VERSION_HEADER } from './domain/contracts/event-version.js';
export { envelopeJsonSchema } from './domain/contracts/envelope-json-schema.js';
export type { DomainEvent, EventEnvelope, PublishOptions } from './domain/event-envelope.js';
export { decodeEnvelope, encodeEnvelope, DEFAULT_MAX_ENVELOPE_BYTES, MAX_ENVELOPE_DEPTH } from './domain/envelope-codec.js';
export type { BusHealth, BusStats, EventBus, ShutdownOptions, Unsubscribe } from './domain/event-bus.js';
export type { EventHandlerFn, HandlerContext } from './domain/handler-context.js';
export type { RetryOptions, SubscribeOptions } from './domain/retry-options.js';
export type { Logger } from './domain/logger.js';
export type {
  DeadLetterEntry,
  DeadLetterError,
  DeadLetterFilter,
  DeadLetterInput,
  DeadLetterQueue,
  DeadLetterReason,
} from './domain/dead-letters/dead-letter.js';

export { HeraldError } from './domain/errors/herald-error.js';
export { BusClosedError } from './domain/errors/bus-closed-error.js';
export { NonRetryableError } from './domain/errors/non-retryable-error.js';
export { EnvelopeDecodeError } from './domain/errors/envelope-decode-error.js';
export type { DecodeFailureReason } from './domain/errors/envelope-decode-error.js';
export { PayloadTooLargeError } from './domain/errors/payload-too-large-error.js';
export { PublishTimeoutError } from './domain/errors/publish-timeout-error.js';
export { PublishFailedError } from './domain/errors/publish-failed-error.js';
export { HandlerTimeoutError } from './domain/errors/handler-timeout-error.js';
export { DeliveryAbortedError } from './domain/errors/delivery-aborted-error.js';
export { DeliveryLimitError } from './domain/errors/delivery-limit-error.js';
export { DuplicateHandlerError } from './domain/errors/duplicate-handler-error.js';
export { RedisConnectionError } from './domain/errors/connection/redis-connection-error.js';
export { InvalidPayloadError } from './domain/errors/invalid-payload-error.js';
export { UnknownEventVersionError } from './domain/errors/unknown-event-version-error.js';
export { RedisAuthError } from './domain/errors/connection/redis-auth-error.js';
export type { RedisAuthFailure } from './domain/errors/connection/redis-auth-error.js';
export { RedisDatabaseError } from './domain/errors/connection/redis-database-error.js';
export { MissingDependencyError } from './domain/errors/missing-dependency-error.js';
export { SignatureError } from './domain/errors/signature-error.js';
export type { SignatureFailureReason } from './domain/errors/signature-error.js';

export { createEventBus } from './application/create-event-bus.js';
export type { CreateEventBusOptions } from './application/create-event-bus.js';
export { RedisEventBus } from './infrastructure/pubsub/redis-event-bus.js';
export type { RedisEventBusOptions } from './infrastructure/pubsub/redis-event-bus.js';
export { DurableEventBus } from './infrastructure/streams/durable-event-bus.js';
export type { DurableEventBusOptions } from './infrastructure/streams/durable-event-bus.js';
export { InMemoryEventBus } from './infrastructure/memory/in-memory-event-bus.js';
export type { InMemoryEventBusOptions } from './infrastructure/memory/in-memory-event-bus.js';
export { InMemoryBroker } from './infrastructure/memory/in-memory-broker.js';
export type { BusOptions } from './infrastructure/eventbus/bus-options.js';
export type { SigningKey, SigningOptions, VerificationOptions } from './infrastructure/signing/signing-options.js';
export type { MetricsOptions, MetricsRegistry } from './infrastructure/observability/metrics-options.js';
export type { TracerProviderLike, TracingOptions, UnsampledParents } from './infrastructure/observability/tracing-options.js';
export { RedisDeadLetterQueue } from './infrastructure/dead-letters/redis-dead-letter-queue.js';
export type { RedisDeadLetterQueueOptions } from './infrastructure/dead-letters/redis-dead-letter-queue.js';
export { InMemoryDeadLetterQueue } from './infrastructure/memory/in-memory-dead-letter-queue.js';
export { retryDelayMs } from './infrastructure/dispatch/retry-policy.js';

export { EventHandler } from './application/event-handler.decorator.js';
export type { EventHandlerClass, EventHandlerInstance, HandledEvent } from './application/event-handler.decorator.js';
export { subscribeHandler } from './application/handler-discovery.js';
export { eventBusModule } from './application/event-bus.module.js';
export type { EventBusModuleOptions } from './application/event-bus.module.js';
export { TYPES } from './application/tokens.js';

export { REPLAY_COUNT_HEADER, REPLAY_ENTRY_HEADER, canQueueReplays } from './domain/dead-letters/dead-letter-replay.js';
export type {
  QueueableDeadLetterQueue,
  QueuedReplay,
  QueueReplayOutcome,
  ReplayableDeadLetterQueue,
  ReplayAllOptions,
  ReplayFailureCode,
  ReplayOptions,
  ReplayOutcome,
  ReplayProgress,
  ReplayReport,
} from './domain/dead-letters/dead-letter-replay.js';
export { listsInstances } from './domain/instance-state.js';
export type { InstanceDirectory, InstanceState } from './domain/instance-state.js';
export { openRedisDeadLetterQueue } from './infrastructure/dead-letters/open-redis-dead-letter-queue.js';
export type { OpenedDeadLetterQueue, OpenRedisDeadLetterQueueOptions } from './infrastructure/dead-letters/open-redis-dead-letter-queue.js';

export { createDashboardHandler } from './dashboard/create-dashboard-handler.js';
export type { DashboardHandler } from './dashboard/create-dashboard-handler.js';
export type { DashboardOptions } from './dashboard/dashboard-options.js';

export { createHealthHandler } from './http/create-health-handler.js';
export type { HealthHandler, HealthHandlerOptions, LivenessBody } from './http/create-health-handler.js';

// Live fan-out from bus handlers to connected browsers (docs/live-fan-out.md).
export { LiveFanOut } from './live/live-fan-out.js';
export type { LiveConnectOptions, LiveFanOutStats } from './live/live-fan-out.js';
export type { LiveFanOutOptions, ReplayWindowOptions } from './live/live-options.js';
export type { LiveMessage, LiveTransport } from './live/live-transport.js';
export { lastEventIdOf, sseTransport } from './live/sse-transport.js';
export type { SseTransportOptions } from './live/sse-transport.js';
export { webSocketTransport } from './live/websocket-transport.js';
export type { WebSocketLike, WebSocketTransportOptions } from './live/websocket-transport.js';
