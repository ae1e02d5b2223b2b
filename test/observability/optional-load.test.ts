import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('optional dependencies', () => {
  it('are loaded only by the option that needs them: importing Herald and running a bus loads none of them', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/observability/optional-load.fixture.ts'], {
      cwd: ROOT,
      timeout: 20_000,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('LOADED '));
    expect(line, stdout).toBeDefined();
    expect(JSON.parse(line!.slice('LOADED '.length))).toEqual({
      atStart: [],
      withoutMetricsOrTracing: [],
      withTracing: ['@opentelemetry/api'],
      withMetrics: ['@opentelemetry/api', 'prom-client'],
      // inversify 8 loads reflect-metadata itself.
      withDependencyInjection: ['@opentelemetry/api', 'inversify', 'prom-client', 'reflect-metadata'],
    });
  });
});
