import type { EventContract } from '../event-contract.js';
import type { EventEnvelope } from '../event-envelope.js';
import type { MaybePromise } from './payload-validation.js';
import { type Received, prepareReceived } from './receive-preparation.js';

interface Registered {
  readonly contract: EventContract;
  uses: number;
}

/**
 * The contracts one bus holds its received events to, by event type: those of
 * the definitions its handlers subscribed with. Each bus owns one; nothing is
 * global. Once a type has a contract, every event of that type is prepared
 * once, before any handler runs (pattern and type-name handlers of it
 * included), so no handler of the bus sees a payload its definition rejects.
 */
export class ContractRegistry {
  readonly #byType = new Map<string, Registered>();

  /**
   * Holds events of the definition's type to its contract, until the returned
   * function has been called as often as `register` for that type.
   *
   * @throws TypeError when another definition of the type with a different
   *   version, or a schema or upcasters, is already registered: a bus cannot
   *   hand one event to handlers expecting two shapes.
   */
  register(contract: EventContract): () => void {
    const existing = this.#byType.get(contract.type);
    if (existing && existing.contract !== contract && !interchangeable(existing.contract, contract)) {
      throw new TypeError(
        `Two different definitions of "${contract.type}" (version ${existing.contract.version} and ${contract.version}) are subscribed on one bus. ` +
          'Define each event once, in a module every handler imports, so they all receive one shape.',
      );
    }
    const registered = existing ?? { contract, uses: 0 };
    registered.uses++;
    if (!existing) this.#byType.set(contract.type, registered);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--registered.uses === 0) this.#byType.delete(contract.type);
    };
  }

  /** The contract of an event type, if a handler subscribed with its definition. */
  get(type: string): EventContract | undefined {
    return this.#byType.get(type)?.contract;
  }

  /**
   * Prepares a received envelope for its handlers ({@link prepareReceived});
   * an envelope of a type without a contract is accepted as it is.
   * Synchronous unless the type's schema is async.
   */
  prepare(envelope: EventEnvelope): MaybePromise<Received> {
    const registered = this.#byType.get(envelope.type);
    return registered ? prepareReceived(envelope, registered.contract) : { ok: true, envelope };
  }
}

/** Two definitions made without a schema or upcasters, of one version, check the same things. */
function interchangeable(a: EventContract, b: EventContract): boolean {
  return a.version === b.version && a.schema === b.schema && Object.keys(a.upcasters).length === 0 && Object.keys(b.upcasters).length === 0;
}
