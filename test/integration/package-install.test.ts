/**
 * The README's quick start, run as a new user would: `npm pack` this package,
 * follow the README's commands in an empty folder (with the tarball in place of
 * the registry), save its tsconfig.json and its code, and run it with tsx. It
 * uses the in-memory bus, so it needs no Redis. npm installs from its cache
 * where it can (`--prefer-offline`), so a warm machine needs no network.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
let work: string;
let app: string;
let tarball: string;

/** The fenced blocks of one language in the README section that starts with `heading`. */
function blocks(readme: string, heading: string, language: string): string[] {
  const start = readme.indexOf(`## ${heading}\n`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]!);
}

/** Runs one README shell line in the app, with the tarball standing in for `herald` on the registry. */
async function shell(line: string): Promise<void> {
  const words = line.replace(/#.*$/, '').trim().split(/\s+/);
  if (words[0] !== 'npm') throw new Error(`the quick start has a command this test does not know: ${line}`);
  const args = words.slice(1).map((word) => (word === 'herald' ? tarball : word));
  if (args[0] === 'install') args.push(...NPM_FLAGS);
  await run('npm', args, { cwd: app, timeout: 120_000 });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'herald-pack-'));
  app = join(work, 'app');
  await run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, timeout: 120_000 });
  tarball = join(work, (await readdir(work)).find((name) => name.endsWith('.tgz'))!);
  await run('mkdir', [app]);
}, 150_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed package, installed into a new project as the README says', () => {
  it('runs the quick start as pasted', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const [commands] = blocks(readme, 'Quick start', 'sh');
    const [tsconfig] = blocks(readme, 'Quick start', 'json');
    const [code] = blocks(readme, 'Quick start', 'ts');
    for (const line of commands!.split('\n').filter((l) => l.trim() !== '')) await shell(line);
    await writeFile(join(app, 'tsconfig.json'), tsconfig!);
    await writeFile(join(app, 'quickstart.ts'), code!);

    const { stdout } = await run(join(app, 'node_modules/.bin/tsx'), ['quickstart.ts'], {
      cwd: app,
      env: { ...process.env, REDIS_URL: '', HERALD_MODE: '', LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });

    expect(JSON.parse(await readFile(join(app, 'package.json'), 'utf8')).type).toBe('module');
    expect(stdout).toContain('welcome mail to ada@example.com');
    // The DI layer's packages are optional peers: the quick start ran without them.
    expect(await readdir(join(app, 'node_modules'))).not.toContain('inversify');
  }, 240_000);

  it('asks for inversify only when the DI layer is used', async () => {
    const script = "import { eventBusModule } from 'herald'; try { eventBusModule(); } catch (e) { console.log(e.name, e.message); }";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    expect(stdout).toContain('MissingDependencyError `eventBusModule()` needs the package "inversify": install it');
  });

  it('ships the sources its source maps point at, and the dashboard page', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n');
    expect(files).toContain('package/dist/src/index.js.map');
    expect(files).toContain('package/src/index.ts');
    expect(files).toContain('package/dist/src/dashboard/public/app.js');
    const map = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/dist/src/index.js.map'])).stdout) as { sources: string[] };
    expect(map.sources).toEqual(['../../src/index.ts']);
  });

  it('installs a working `herald` command', async () => {
    const { stdout } = await run(join(app, 'node_modules/.bin/herald'), ['--version'], { cwd: app });
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).toBe(`${pkg.version}\n`);
  });
});
