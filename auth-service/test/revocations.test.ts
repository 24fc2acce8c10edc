import { describe, expect, it } from 'vitest';
import { Revocations } from '../src/revocations.js';

const alice = '11111111-1111-4111-8111-111111111111';

describe('Revocations', () => {
  it('refuses a revoked token id and no other', () => {
    const r = new Revocations();
    r.apply({ jti: 'a', exp: 100 });
    expect(r.revoked({ userId: alice, jti: 'a', generation: 0 })).toBe(true);
    expect(r.revoked({ userId: alice, jti: 'b', generation: 0 })).toBe(false);
  });

  it("refuses a user's tokens below the generation a password change set, and theirs only", () => {
    const r = new Revocations();
    r.apply({ user: alice, generation: 2 });
    expect(r.revoked({ userId: alice, jti: 'x', generation: 0 })).toBe(true);
    expect(r.revoked({ userId: alice, jti: 'x', generation: 1 })).toBe(true);
    expect(r.revoked({ userId: alice, jti: 'x', generation: 2 })).toBe(false);
    expect(r.revoked({ userId: 'someone-else', jti: 'x', generation: 0 })).toBe(false);
  });

  it('never lowers a generation (a late or repeated notification changes nothing)', () => {
    const r = new Revocations();
    r.apply({ user: alice, generation: 3 });
    r.apply({ user: alice, generation: 1 });
    expect(r.revoked({ userId: alice, generation: 2 })).toBe(true);
  });

  it('forgets token ids once they are past their expiry, and only those', () => {
    const r = new Revocations();
    r.apply({ jti: 'old', exp: 100 });
    r.apply({ jti: 'new', exp: 200 });
    r.prune(150);
    expect(r.revoked({ userId: alice, jti: 'old', generation: 0 })).toBe(false);
    expect(r.revoked({ userId: alice, jti: 'new', generation: 0 })).toBe(true);
  });
});
