const RESOLVED = Promise.resolve();

/**
 * Runs `callback` on the microtask queue, as `queueMicrotask` would. A reaction
 * on a settled promise costs ~95 bytes; queueMicrotask makes an AsyncResource
 * per callback (~265), which the per-message and per-delivery paths pay for in
 * young-generation bytes under a flood.
 */
export function nextTurn(callback: () => void): void {
  void RESOLVED.then(callback);
}
