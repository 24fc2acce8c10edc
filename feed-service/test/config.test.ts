import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

// The home timelines' settings: their defaults, and the bounds a page's script relies on.
const { FEED_HOME_CAP, FEED_HOME_BACKFILL, FEED_FANOUT_CHUNK } = configSchema.shape;

describe("feed-service's home timeline settings", () => {
  it('default to a cap of 800, a backfill of 100 and fan-out calls of 256 timelines', () => {
    expect([
      FEED_HOME_CAP.parse(undefined),
      FEED_HOME_BACKFILL.parse(undefined),
      FEED_FANOUT_CHUNK.parse(undefined),
    ]).toEqual([800, 100, 256]);
  });

  it('refuse a cap above 5 000 (a page script unpacks up to a cap of ids) and chunks of none', () => {
    expect(FEED_HOME_CAP.safeParse('5001').success).toBe(false);
    expect(FEED_HOME_CAP.safeParse('0').success).toBe(false);
    expect(FEED_FANOUT_CHUNK.safeParse('0').success).toBe(false);
    expect(FEED_HOME_BACKFILL.safeParse('0').success).toBe(true);
  });
});
