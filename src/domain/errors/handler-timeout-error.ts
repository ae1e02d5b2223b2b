import { HeraldError } from './herald-error.js';

/** One attempt of a handler ran longer than its `timeoutMs`. */
export class HandlerTimeoutError extends HeraldError {
  readonly code = 'HERALD_HANDLER_TIMEOUT';

  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Handler "${handler}" did not finish within timeoutMs (${timeoutMs} ms). ` +
        'Make it honour ctx.signal, or raise timeoutMs for this subscription.',
    );
  }
}
