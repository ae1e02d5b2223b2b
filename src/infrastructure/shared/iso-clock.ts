/**
 * ISO 8601 timestamps for envelopes. Formatting a Date costs more than the
 * rest of an envelope's fields; events published within one millisecond share
 * the string, which is exactly what a fresh Date would have produced.
 */
export class IsoClock {
  #ms = -1;
  #iso = '';

  now(): string {
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#iso = new Date(ms).toISOString();
    }
    return this.#iso;
  }
}
