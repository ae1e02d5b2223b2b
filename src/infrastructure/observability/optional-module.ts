import { createRequire } from 'node:module';
import { MissingDependencyError } from '../../domain/errors/missing-dependency-error.js';

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency when an option asks for it, synchronously
 * so that a bus is fully set up when its constructor returns. prom-client and
 * @opentelemetry/api resolve to CommonJS for `import` and `require` alike, and
 * Node's require() of an ES module (inversify) returns the instance `import`
 * gets, so the app and Herald share one copy of each.
 *
 * @throws MissingDependencyError when the package is not installed.
 */
export function loadOptional<T>(dependency: string, option: string): T {
  try {
    return requireFromHere(dependency) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw new MissingDependencyError(dependency, option, { cause: error });
    throw error;
  }
}
