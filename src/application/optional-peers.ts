import { MissingDependencyError } from '../domain/errors/missing-dependency-error.js';
import { loadOptional } from '../infrastructure/observability/optional-module.js';

type Inversify = typeof import('inversify');

// inversify is an optional peer dependency: an app that does not use the DI layer
// (eventBusModule) need not install it, and one that has it installed but does not call
// eventBusModule() must not pay for it (about 18 MiB of RSS). inversify 8 is an ES module only;
// on a Node that can require() ES modules (20.19 and later) it is loaded when eventBusModule()
// first runs, as the same module instance the app's own `import` gets. Older Nodes can only
// import() it, so there it is loaded here, at import, with top-level await.
const preloaded: Inversify | undefined = process.features.require_module
  ? undefined
  : await import('inversify').catch(ifMissing('inversify'));

/**
 * The inversify module, for eventBusModule().
 * @throws MissingDependencyError when inversify is not installed.
 */
export function loadInversify(): Inversify {
  if (process.features.require_module) return loadOptional<Inversify>('inversify', 'eventBusModule()');
  if (!preloaded) throw new MissingDependencyError('inversify', 'eventBusModule()');
  return preloaded;
}

/** Undefined when the package itself is not installed; any other failure (a broken install) is thrown. */
function ifMissing(name: string): (error: unknown) => undefined {
  return (error) => {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${name}'`)) return undefined;
    throw error;
  };
}
