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
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  const output = (stream: NodeJS.WriteStream): CliOutput => ({
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
  });
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
  };
}
