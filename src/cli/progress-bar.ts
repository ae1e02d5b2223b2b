import type { CliOutput } from './cli-io.js';

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A one-line progress bar on a terminal (stderr), redrawn in place at most
 * every 100 ms. On anything but a terminal it writes nothing, so piped and
 * `--json` output stays clean.
 */
export class ProgressBar {
  readonly #out: CliOutput;
  readonly #total: number;
  readonly #label: string;
  #drawnAt = 0;
  #drawn = false;

  constructor(out: CliOutput, total: number, label: string) {
    this.#out = out;
    this.#total = total;
    this.#label = label;
  }

  update(done: number, ok: number, failed: number): void {
    if (!this.#out.isTTY) return;
    const now = Date.now();
    if (done < this.#total && now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#drawn = true;
    const filled = this.#total === 0 ? BAR_WIDTH : Math.round((done / this.#total) * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    const percent = this.#total === 0 ? 100 : Math.floor((done / this.#total) * 100);
    this.#out.write(`\r\u001b[2K${this.#label} [${bar}] ${done}/${this.#total} ${percent}%  ok ${ok}  failed ${failed}`);
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.#drawn) this.#out.write('\n');
  }
}
