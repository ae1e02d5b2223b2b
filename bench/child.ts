/**
 * Parent side of the parent <-> child protocol: forks a bench worker (compiled JavaScript under
 * plain `node`, see compile.ts), hands out its messages by type, and kills it (by its own pid) if
 * it outlives its time limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiledWorkers } from './compile.js';
import type { ChildMessage } from './workers/child-io.js';

interface Waiter {
  type: string;
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
}

const live = new Set<BenchChild>();

/** Kills every child this process forked and that is still running (each by its own pid). */
export function killLiveChildren(): void {
  for (const child of live) child.kill();
}

export class BenchChild {
  readonly #name: string;
  readonly #proc: ChildProcess;
  readonly #inbox: ChildMessage[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #closed: Promise<number | null>;
  readonly #timer: NodeJS.Timeout;
  #failure: Error | undefined;
  /** Process warnings the child reported (deduplicated), e.g. MaxListenersExceededWarning. */
  readonly warnings: string[] = [];

  /** `worker` is a file name in bench/workers/ (`.ts`), `args` its JSON arguments. */
  constructor(name: string, worker: string, args: object, timeoutMs: number) {
    this.#name = name;
    const file = fileURLToPath(new URL(worker.replace(/\.ts$/, '.js'), compiledWorkers));
    this.#proc = fork(file, [JSON.stringify(args)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this);
    this.#proc.on('message', (m) => this.#onMessage(m as ChildMessage));
    this.#closed = new Promise((resolve) => {
      // 'close' comes after every IPC message has been delivered, unlike 'exit'.
      this.#proc.once('close', (code, signal) => {
        live.delete(this);
        clearTimeout(this.#timer);
        this.#fail(new Error(`${name} ended (code ${code}, signal ${signal}) before sending what was expected`));
        resolve(code);
      });
    });
    this.#timer = setTimeout(() => {
      this.#fail(new Error(`${name} still running after ${timeoutMs} ms; killed`));
      this.kill();
    }, timeoutMs);
  }

  /** Resolves with the data of the next `type` message; rejects if the child fails first. */
  expect<T>(type: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push({ type, resolve: resolve as (d: unknown) => void, reject });
      this.#pump();
    });
  }

  send(message: ChildMessage): void {
    if (this.#proc.connected) this.#proc.send(message);
  }

  kill(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }

  /** Waits for the child to exit on its own (bounded), then kills it. Returns the exit code. */
  async closed(graceMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const outcome = await Promise.race([this.#closed, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.kill();
      await this.#closed;
      throw new Error(`${this.#name} did not exit within ${graceMs} ms after its result; killed`);
    }
    return outcome;
  }

  #onMessage(message: ChildMessage): void {
    if (message.type === 'warning') {
      this.warnings.push(`${this.#name}: ${message.message ?? ''}`);
      return;
    }
    if (message.type === 'error') {
      this.#fail(new Error(message.message ?? `${this.#name} reported an error`));
      return;
    }
    this.#inbox.push(message);
    this.#pump();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#pump();
  }

  #pump(): void {
    for (let i = 0; i < this.#waiters.length; ) {
      const waiter = this.#waiters[i]!;
      const index = this.#inbox.findIndex((m) => m.type === waiter.type);
      if (index >= 0) {
        const [message] = this.#inbox.splice(index, 1);
        this.#waiters.splice(i, 1);
        waiter.resolve(message?.data);
      } else if (this.#failure !== undefined) {
        this.#waiters.splice(i, 1);
        waiter.reject(this.#failure);
      } else {
        i += 1;
      }
    }
  }
}
