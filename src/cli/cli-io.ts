import { createInterface } from 'node:readline/promises';

/** A stream the CLI writes to. */
export interface CliOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width, when a terminal. */
  readonly columns: number | undefined;
}

/** Everything the CLI touches outside itself, so tests can stand in for it. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** True when stdin is a terminal, so the CLI may ask questions. */
  readonly interactive: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks on the terminal and resolves to the answer. */
  prompt(question: string): Promise<string>;
  now(): Date;
  /** Standard input, for `dlq import` without a file. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Resolves when the process is asked to stop (SIGINT, SIGTERM), for `herald dashboard`. */
  untilStopped?(): Promise<void>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  const output = (stream: NodeJS.WriteStream): CliOutput => {
    exitQuietlyOnClosedPipe(stream);
    return {
      write: (text) => void stream.write(text),
      get isTTY() {
        return stream.isTTY === true;
      },
      get columns() {
        return stream.isTTY ? stream.columns : undefined;
      },
    };
  };
  return {
    stdout: output(process.stdout),
    stderr: output(process.stderr),
    interactive: process.stdin.isTTY === true,
    env: process.env,
    async prompt(question) {
      const readline = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await readline.question(question);
      } finally {
        readline.close();
      }
    },
    now: () => new Date(),
    stdin: process.stdin,
    untilStopped: () =>
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}

/**
 * `herald dlq list | head` closes the pipe while herald still writes. Node
 * ignores SIGPIPE and reports the write as an EPIPE error event, which would
 * crash with a stack trace; a Unix tool stops quietly instead. Nothing is
 * lost by stopping: the reader wants no more, and a replay in flight finishes
 * on its instance.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}
