import { describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.js';

describe('eventually', () => {
  it('polls until the probe holds, through its errors, and resolves with its value', async () => {
    let calls = 0;
    const { value, ms } = await eventually(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('connection refused');
        return calls >= 3 && `after ${calls}`;
      },
      1_000,
      5,
    );
    expect(value).toBe('after 3');
    expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('gives up after its timeout, naming what it waited for and the last error', async () => {
    await expect(
      eventually(
        async () => {
          throw new Error('still down');
        },
        50,
        5,
        'Redis back',
      ),
    ).rejects.toThrow(/^Redis back not met within 50 ms: Error: still down$/);
  });
});
