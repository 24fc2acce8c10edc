import { describe, expect, it } from 'vitest';
import { InFlightEntries } from '../src/outbox-inflight.js';

const entries = (...ids: string[]) => ids.map((id) => ({ id }));

describe('entries in flight through the relay', () => {
  it('claims what no stage holds, in the order read, as publishing', () => {
    const inFlight = new InFlightEntries();
    expect(inFlight.claim(entries('a', 'b', 'c'))).toEqual(entries('a', 'b', 'c'));
    expect(inFlight.stageOf('b')).toBe('publishing');
    expect(inFlight.claim(entries('b', 'd'))).toEqual(entries('d'));
  });

  it('passes over an outcome being recorded, and one recorded, until the next read begins', () => {
    const inFlight = new InFlightEntries();
    inFlight.claim(entries('a'));
    inFlight.settled(['a']);
    expect(inFlight.stageOf('a')).toBe('recording');
    // A read that began before the outcome was written may still say "pending".
    inFlight.readBegins();
    expect(inFlight.claim(entries('a'))).toEqual([]);
    inFlight.recorded(['a']);
    expect(inFlight.stageOf('a')).toBe('recorded');
    expect(inFlight.claim(entries('a'))).toEqual([]);
    // The next read sees the outcome, or (recording failed) the entry pending: then it goes out again.
    inFlight.readBegins();
    expect(inFlight.stageOf('a')).toBeUndefined();
    expect(inFlight.claim(entries('a'))).toEqual(entries('a'));
  });

  it('keeps publishing and recording entries across the start of a read', () => {
    const inFlight = new InFlightEntries();
    inFlight.claim(entries('a', 'b'));
    inFlight.settled(['b']);
    inFlight.readBegins();
    expect([inFlight.stageOf('a'), inFlight.stageOf('b')]).toEqual(['publishing', 'recording']);
  });

  it('hands released entries back at once, for the next attempt', () => {
    const inFlight = new InFlightEntries();
    inFlight.claim(entries('a', 'b'));
    inFlight.released(['a', 'b']);
    expect(inFlight.stageOf('a')).toBeUndefined();
    expect(inFlight.claim(entries('a', 'b'))).toEqual(entries('a', 'b'));
  });

  it.each([
    ['settles an entry never claimed', (f: InFlightEntries) => f.settled(['x']), 'x is pending, not publishing'],
    ['releases an entry already settled', (f: InFlightEntries) => f.released(['s']), 's is recording, not publishing'],
    ['records an entry still publishing', (f: InFlightEntries) => f.recorded(['p']), 'p is publishing, not recording'],
    ['settles an entry twice', (f: InFlightEntries) => f.settled(['s']), 's is recording, not publishing'],
  ])('refuses a move out of order: %s', (_, move, message) => {
    const inFlight = new InFlightEntries();
    inFlight.claim(entries('p', 's'));
    inFlight.settled(['s']);
    expect(() => move(inFlight)).toThrow(message);
  });

  it('moves none of a list when one of it is out of order', () => {
    const inFlight = new InFlightEntries();
    inFlight.claim(entries('a'));
    expect(() => inFlight.settled(['a', 'b'])).toThrow();
    expect(inFlight.stageOf('a')).toBe('publishing');
  });
});
