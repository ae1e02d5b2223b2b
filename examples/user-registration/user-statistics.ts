import { injectable } from 'inversify';

/** How many of the first writes time out, to show a flaky dependency recovering through retries. */
const FAILING_WRITES = 2;

/** A read model ("users per email domain") in a database that times out now and then. */
@injectable()
export class UserStatistics {
  readonly #byDomain = new Map<string, number>();
  #writes = 0;

  async countRegistration(email: string): Promise<void> {
    this.#writes++;
    if (this.#writes <= FAILING_WRITES) {
      throw new Error(`read-model database timed out (write ${this.#writes}); the handler will be retried`);
    }
    const domain = email.slice(email.indexOf('@') + 1);
    this.#byDomain.set(domain, (this.#byDomain.get(domain) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#byDomain);
  }
}
