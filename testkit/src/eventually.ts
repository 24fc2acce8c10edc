export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a truthy value; resolves with it and the
 * milliseconds it took. A probe that throws counts as not yet (a store
 * coming back refuses connections first); the last error is in the message
 * of the timeout.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  timeoutMs = 15_000,
  everyMs = 100,
  what = 'condition',
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  let last: unknown;
  while (performance.now() - started < timeoutMs) {
    try {
      const value = await probe();
      if (value) return { value, ms: Math.round(performance.now() - started) };
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
