import { HeraldError } from './herald-error.js';

/** An option needs an optional peer dependency (prom-client, @opentelemetry/api) that is not installed. */
export class MissingDependencyError extends HeraldError {
  readonly code = 'HERALD_MISSING_DEPENDENCY';

  constructor(
    /** The package to install. */
    readonly dependency: string,
    /** The option that needs it. */
    readonly option: string,
    options?: ErrorOptions,
  ) {
    super(`\`${option}\` needs the package "${dependency}": install it (npm install ${dependency}) or leave \`${option}\` out.`, options);
  }
}
