import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENVELOPE_DOC = new URL('../../../docs/envelope.md', import.meta.url);

/** The first fenced block of `language` after `heading` in docs/envelope.md: the tests run the docs' own lines. */
function docBlock(heading: string, language: string): string {
  const doc = readFileSync(ENVELOPE_DOC, 'utf8');
  const from = doc.indexOf(heading);
  if (from < 0) throw new Error(`docs/envelope.md has no "${heading}"`);
  const start = doc.indexOf('```' + language + '\n', from);
  const end = doc.indexOf('\n```', start + 1);
  return doc.slice(start + language.length + 4, end + 1);
}

/** Signs `envelope` with the docs' Python `sign()` under /usr/bin/python3; returns the text to send. */
export async function signWithPython(envelope: object, keyId: string, key: string): Promise<string> {
  const program = `${docBlock('### Signing from Python', 'python')}
import sys
sys.stdout.write(sign(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3].encode("utf-8")))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', program, JSON.stringify(envelope), keyId, key]);
  return stdout;
}

/**
 * Runs the docs' shell lines (openssl for the MAC, redis-cli to PUBLISH) against
 * a test server, with the prefix and key id given; returns redis-cli's output
 * (the number of receivers).
 */
export async function publishWithOpenssl(options: { host: string; port: number; prefix: string; keyId: string; key: string; body: string }): Promise<string> {
  const lines = docBlock('With a shell, `openssl` and `redis-cli`', 'sh')
    .replace(/^body=.*$/m, 'body="$BODY"')
    .replaceAll("'herald:events|", `'${options.prefix}:events|`)
    .replaceAll('v1,2026-12,', `v1,${options.keyId},`)
    .replaceAll('redis-cli PUBLISH', 'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" PUBLISH');
  const { stdout } = await run('/bin/sh', ['-c', lines], {
    env: { PATH: process.env.PATH, HERALD_SIGNING_KEY: options.key, BODY: options.body, REDIS_HOST: options.host, REDIS_PORT: String(options.port) },
  });
  return stdout.trim();
}

/** `redis-cli` with arguments, against a test server. */
export async function redisCli(host: string, port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', host, '-p', String(port), ...args]);
  return stdout.trim();
}
