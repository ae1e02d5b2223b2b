import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../domain/envelope-codec.js';
import type { Logger } from '../../domain/logger.js';
import type { RetryOptions } from '../../domain/retry-options.js';
import { DEFAULT_PREFIX, assertPrefix } from '../../domain/prefix.js';
import { integer, milliseconds } from '../shared/options.js';
import type { MetricsOptions } from '../observability/metrics-options.js';
import type { TracingOptions } from '../observability/tracing-options.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, resolveRetryPolicy } from '../dispatch/retry-policy.js';
import { type Signing, createSigning } from '../signing/signing.js';
import type { SigningOptions, VerificationOptions } from '../signing/signing-options.js';

/** Default of `maxBatchBytes`: 1 MiB. */
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;

/** Options every bus takes. */
export interface BusOptions {
  /**
   * Namespace of channels and keys; buses with different prefixes on one Redis never see each other.
   * @default process.env.HERALD_PREFIX ?? 'herald'
   */
  readonly prefix?: string;
  /** A pino (or compatible) logger; `false` for none. @default pino at process.env.LOG_LEVEL ?? 'info' */
  readonly logger?: Logger | false;
  /** Service name, first half of each envelope's `source`. @default process.env.HERALD_SERVICE ?? 'herald' */
  readonly service?: string;
  /** This instance's id, second half of `source`. @default `<hostname>-<pid>-<random>` */
  readonly instanceId?: string;
  /**
   * Deliveries (event × handler) running or waiting to retry at once. Retries waiting out
   * their backoff hold a slot, so leave room for them. @default 1_000
   */
  readonly concurrency?: number;
  /** Deliveries waiting for a slot before further ones are dead-lettered (`buffer-overflow`). @default 100_000 */
  readonly maxBufferedDeliveries?: number;
  /** Largest envelope `publish` sends and receivers accept. @default 1_048_576 (1 MiB) */
  readonly maxEnvelopeBytes?: number;
  /**
   * Largest batch frame (a JSON array of envelopes, see `batching` on the Redis buses) that
   * `publish` sends and receivers accept, in UTF-8 bytes. @default 1_048_576 (1 MiB)
   */
  readonly maxBatchBytes?: number;
  /** Default retry policy of every handler; subscriptions override it field by field. */
  readonly retry?: RetryOptions;
  /** Time `shutdown()` gives in-flight work when called without `timeoutMs`. @default 10_000 */
  readonly shutdownTimeoutMs?: number;
  /**
   * Prometheus metrics, registered on the prom-client registry you pass
   * (`{ registry }`); needs the prom-client package. See docs/operations.md.
   * @default off: prom-client is not loaded
   */
  readonly metrics?: MetricsOptions;
  /**
   * OpenTelemetry spans for publishes and handler attempts, with the trace
   * context in the envelope's `traceparent` header; needs @opentelemetry/api.
   * `true` uses the globally registered provider. See docs/tracing.md.
   * @default false: @opentelemetry/api is not loaded
   */
  readonly tracing?: boolean | TracingOptions;
  /**
   * Sign everything this bus sends (events, `ctx.publish`, replay requests) with
   * HMAC-SHA256 under a named key. See docs/security.md, "Signing and key rotation".
   * @default off: nothing is signed
   */
  readonly signing?: SigningOptions;
  /**
   * Accept only events signed with one of these keys: anything unsigned, signed
   * with another key id, or changed after signing is dead-lettered once with
   * reason `signature` and reaches no handler; dead letters and replay requests
   * are checked too. Turn it on only once every producer signs.
   * @default off: signatures are not checked
   */
  readonly verification?: VerificationOptions;
}

/** Options after defaults and validation. */
export interface ResolvedBusOptions {
  readonly prefix: string;
  readonly logger: Logger | false | undefined;
  readonly source: string;
  readonly concurrency: number;
  readonly maxBufferedDeliveries: number;
  readonly maxEnvelopeBytes: number;
  readonly maxBatchBytes: number;
  readonly retry: RetryPolicy;
  readonly shutdownTimeoutMs: number;
  readonly signing: Signing;
}

/** @throws TypeError naming the first invalid option. */
export function resolveBusOptions(options: BusOptions): ResolvedBusOptions {
  const prefix = options.prefix ?? process.env.HERALD_PREFIX ?? DEFAULT_PREFIX;
  assertPrefix(prefix);
  const service = serviceName(options);
  const instanceId = options.instanceId ?? newInstanceId();
  return {
    prefix,
    logger: options.logger,
    source: `${service}/${instanceId}`,
    concurrency: integer(options.concurrency, 1_000, 'concurrency', 1),
    maxBufferedDeliveries: integer(options.maxBufferedDeliveries, 100_000, 'maxBufferedDeliveries', 0),
    maxEnvelopeBytes: integer(options.maxEnvelopeBytes, DEFAULT_MAX_ENVELOPE_BYTES, 'maxEnvelopeBytes', 256),
    maxBatchBytes: integer(options.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 'maxBatchBytes', 256),
    retry: resolveRetryPolicy(DEFAULT_RETRY_POLICY, options.retry, 'retry'),
    shutdownTimeoutMs: milliseconds(options.shutdownTimeoutMs, 10_000, 'shutdownTimeoutMs', 0),
    signing: createSigning(options.signing, options.verification),
  };
}

/** The service name: the option, else HERALD_SERVICE, else `herald`. */
export function serviceName(options: BusOptions): string {
  return options.service ?? process.env.HERALD_SERVICE ?? 'herald';
}

/** A fresh instance id: `<hostname>-<pid>-<random>`. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
