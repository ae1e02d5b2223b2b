/**
 * The envelope header that carries the payload's version. A header rather
 * than a top-level field: headers are already string metadata that every
 * Herald version, dead letter and replay carries through unchanged, and the
 * envelope's own fields stay those every event has. Absent means version 1.
 */
export const VERSION_HEADER = 'herald-version';

const VERSION_TEXT = /^[1-9][0-9]{0,14}$/;

/**
 * The payload version an envelope declares: 1 without the header, the
 * header's number otherwise, or undefined when the header is not a whole
 * number ≥ 1 (such an event cannot be trusted to have any known shape).
 */
export function declaredVersion(headers: Readonly<Record<string, string>> | undefined): number | undefined {
  const text = headers?.[VERSION_HEADER];
  if (text === undefined) return 1;
  return VERSION_TEXT.test(text) ? Number(text) : undefined;
}

/**
 * The headers an event of `version` is published with: the given ones, plus
 * `herald-version` above version 1 (version 1 stays as it was before
 * versions existed, so older consumers and other languages see no change).
 *
 * @throws TypeError when the given headers set `herald-version` to another version.
 */
export function headersForVersion(
  eventType: string,
  version: number,
  headers: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  const given = headers?.[VERSION_HEADER];
  if (given !== undefined && given !== String(version)) {
    throw new TypeError(
      `The headers of "${eventType}" set ${VERSION_HEADER} to ${JSON.stringify(given)}, but its definition is version ${version}. ` +
        `Leave ${VERSION_HEADER} out: Herald writes it from defineEvent's version.`,
    );
  }
  if (version === 1 || given !== undefined) return headers;
  return { ...headers, [VERSION_HEADER]: String(version) };
}
