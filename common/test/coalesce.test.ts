import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../src/coalesce.js';

describe('Coalescer', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const recording = (lingerMs: number, maxEvents = 100) => {
    const calls: number[][] = [];
    const coalescer = new Coalescer<number, boolean>(
      async (events) => {
        calls.push(events);
        return events.map((e) => e % 2 === 0);
      },
      { lingerMs, maxEvents },
    );
    return { calls, coalescer };
  };

  it('merges callers that arrive together into one call, each getting back its own results in order', async () => {
    const { calls, coalescer } = recording(20);
    const [a, b, c] = [coalescer.submit([1, 2]), coalescer.submit([3]), coalescer.submit([4, 5, 6])];
    await vi.runAllTimersAsync();
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(await Promise.all([a, b, c])).toEqual([[false, true], [false], [true, false, true]]);
  });

  it('starts the next call no sooner than the linger after the last, carrying all that came meanwhile', async () => {
    const { calls, coalescer } = recording(20);
    void coalescer.submit([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1]]); // the first after a quiet spell waits for nothing
    void coalescer.submit([2]);
    await vi.advanceTimersByTimeAsync(5);
    void coalescer.submit([3]);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('never splits a caller, and keeps calls under the bound otherwise', async () => {
    const { calls, coalescer } = recording(0, 3);
    void coalescer.submit([1, 2]);
    void coalescer.submit([3, 4]);
    void coalescer.submit([5, 6, 7, 8]);
    void coalescer.submit([9]);
    await vi.runAllTimersAsync();
    expect(calls).toEqual([[1, 2], [3, 4], [5, 6, 7, 8], [9]]);
  });

  it('makes a failed merged call again caller by caller, rejecting only the caller whose events fail', async () => {
    const calls: number[][] = [];
    const coalescer = new Coalescer<number, boolean>(
      async (events) => {
        calls.push(events);
        if (events.includes(13)) throw new Error('poisoned');
        return events.map(() => true);
      },
      { lingerMs: 0, maxEvents: 10 },
    );
    const outcomes = [coalescer.submit([1]), coalescer.submit([13]), coalescer.submit([2])].map((p) =>
      p.then(
        (r) => r,
        (err: Error) => err.message,
      ),
    );
    await vi.runAllTimersAsync();
    expect(await Promise.all(outcomes)).toEqual([[true], 'poisoned', [true]]);
    expect(calls).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('rejects every caller of a call that failed, and goes on with the next', async () => {
    let fail = true;
    const coalescer = new Coalescer<number, boolean>(
      async (events) => {
        if (fail) throw new Error('store away');
        return events.map(() => true);
      },
      { lingerMs: 0, maxEvents: 10 },
    );
    const failed = [coalescer.submit([1]), coalescer.submit([2])].map((p) => p.catch((err: Error) => err.message));
    await vi.runAllTimersAsync();
    expect(await Promise.all(failed)).toEqual(['store away', 'store away']);
    fail = false;
    const retried = coalescer.submit([1, 2]);
    await vi.runAllTimersAsync();
    expect(await retried).toEqual([true, true]);
  });

  it('never overlaps calls: a caller arriving during one goes in the next', async () => {
    let inFlight = 0;
    let most = 0;
    const coalescer = new Coalescer<number, void>(
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
      },
      { lingerMs: 0, maxEvents: 10 },
    );
    void coalescer.submit([1]);
    await vi.advanceTimersByTimeAsync(2);
    void coalescer.submit([2]);
    await vi.runAllTimersAsync();
    expect(most).toBe(1);
  });
});
