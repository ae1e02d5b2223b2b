import { MissingDependencyError } from '../domain/errors/missing-dependency-error.js';

// inversify and reflect-metadata are optional peer dependencies: an app that does not use the
// DI layer (eventBusModule, TYPES with a container) need not install them. They are loaded once
// here, at import, with top-level await: inversify 8 is an ES module only, so it cannot be
// required synchronously when eventBusModule() runs. reflect-metadata installs its `Reflect`
// API when present, before any module that imports Herald declares an @injectable() class.
await import('reflect-metadata').catch(ifMissing('reflect-metadata'));
const inversify = await import('inversify').catch(ifMissing('inversify'));

/**
 * The inversify module, for eventBusModule().
 * @throws MissingDependencyError when inversify is not installed.
 */
export function loadInversify(): typeof import('inversify') {
  if (!inversify) throw new MissingDependencyError('inversify', 'eventBusModule()');
  return inversify;
}

/** Undefined when the package itself is not installed; any other failure (a broken install) is thrown. */
function ifMissing(name: string): (error: unknown) => undefined {
  return (error) => {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${name}'`)) return undefined;
    throw error;
  };
}
