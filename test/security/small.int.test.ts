import { beforeAll, describe, expect, it } from 'vitest';
import { newUser, stack, type TestUser } from '@feedmesh/testkit';
import { expectError } from '../support/errors.js';

// The smaller findings of the security review, each replayed as the attack it
// was, through the real gateway (and, where the finding was about them, the
// services' own addresses).

let alice: TestUser;
beforeAll(async () => {
  alice = await newUser('small');
});

describe('the bearer scheme', () => {
  it.each(['bearer', 'BEARER', 'bEaReR'])('accepts the scheme spelled %s, as login names it', async (scheme) => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/me`, {
      headers: { authorization: `${scheme} ${alice.token}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(alice.id);
  });

  it('still refuses another scheme carrying the same token', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/me`, { headers: { authorization: `Basic ${alice.token}` } });
    await expectError(res, 401, 'unauthorized');
  });
});

describe('forward-auth', () => {
  it("bounds the auth server's answer it buffers", async () => {
    const res = await fetch(`${stack.traefikApiUrl}/api/http/middlewares/forward-auth@file`);
    const mw = (await res.json()) as { forwardAuth: { maxResponseBodySize?: number } };
    expect(mw.forwardAuth.maxResponseBodySize).toBeGreaterThan(0);
    expect(mw.forwardAuth.maxResponseBodySize).toBeLessThanOrEqual(64 * 1024);
  });
});
