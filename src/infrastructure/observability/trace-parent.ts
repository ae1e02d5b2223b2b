/** The parts of a W3C `traceparent` header Herald reads and writes. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** Envelope header names of the W3C trace context. */
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

// A later version keeps version 00's four fields first and may append more after a dash.
const LATER_VERSION = /^(?!ff|00)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
// Version 00 is `00-<32 hex>-<16 hex>-<2 hex>`: 55 characters, dashes at these offsets.
const VERSION_00_LENGTH = 55;
const DASH = 0x2d;

/**
 * Reads a `traceparent` header (W3C Trace Context level 1); undefined when absent or invalid.
 * Version 00, every event's, is read by hand: a regular expression here cost up to several µs
 * per event in the subscriber's profile (V8 recompiling it after garbage collections).
 */
export function parseTraceParent(header: string | undefined): TraceParent | undefined {
  if (header === undefined) return undefined;
  let traceId: string;
  let spanId: string;
  let flags: number;
  if (header.charCodeAt(0) === 0x30 && header.charCodeAt(1) === 0x30) {
    if (header.length !== VERSION_00_LENGTH || header.charCodeAt(2) !== DASH || header.charCodeAt(35) !== DASH || header.charCodeAt(52) !== DASH) return undefined;
    if (!isLowerHex(header, 3, 35) || !isLowerHex(header, 36, 52) || !isLowerHex(header, 53, 55)) return undefined;
    traceId = header.slice(3, 35);
    spanId = header.slice(36, 52);
    flags = hexValue(header.charCodeAt(53)) * 16 + hexValue(header.charCodeAt(54));
  } else {
    const match = LATER_VERSION.exec(header);
    if (match === null) return undefined;
    [, traceId, spanId] = match as unknown as [string, string, string];
    flags = Number.parseInt(match[3]!, 16);
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: flags };
}

// The flags field for each byte value: one header per publish, no number-to-hex conversion each time.
const FLAGS = Array.from({ length: 256 }, (_, flags) => flags.toString(16).padStart(2, '0'));

/** Writes a version-00 `traceparent` header. */
export function formatTraceParent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${FLAGS[parent.traceFlags & 0xff]!}`;
}

/** A trace context as the headers carry it: a `traceparent`, and a `tracestate` when there is one. */
export interface TraceHeaderSource extends TraceParent {
  readonly traceState?: { serialize(): string } | undefined;
}

/** The W3C headers that carry `context`. */
export function traceHeaders(context: TraceHeaderSource): Record<string, string> {
  const headers: Record<string, string> = { [TRACEPARENT_HEADER]: formatTraceParent(context) };
  const state = context.traceState?.serialize();
  if (state) headers[TRACESTATE_HEADER] = state;
  return headers;
}

// 1 at the codes of 0-9 and a-f. A lookup, not range comparisons: in random hex the digit-or-letter
// branch is mispredicted about every other character (0.25 -> 0.10 µs per header measured).
const LOWER_HEX = new Uint8Array(0x67);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/** Whether `text` holds only 0-9 and a-f from `from` up to (not including) `to`. */
function isLowerHex(text: string, from: number, to: number): boolean {
  let hex = 1;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    hex &= c < 0x67 ? LOWER_HEX[c]! : 0;
  }
  return hex === 1;
}

/** The value of a character isLowerHex accepted. */
function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}
