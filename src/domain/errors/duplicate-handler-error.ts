import { HeraldError } from './herald-error.js';

/** Two subscriptions on one bus share a handler name. */
export class DuplicateHandlerError extends HeraldError {
  readonly code = 'HERALD_DUPLICATE_HANDLER';

  constructor(readonly handler: string) {
    super(
      `Two handlers are named "${handler}". Handler names identify dead letters, replays and metrics, so each must be unique on a bus: ` +
        'pass a distinct { name } to subscribe() or @EventHandler().',
    );
  }
}
