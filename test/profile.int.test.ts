import { beforeAll, describe, expect, it } from 'vitest';
import { newUser, stack, type TestUser } from '@feedmesh/testkit';

// The profile routes end to end: client → Traefik (forward-auth) → profile-service → PostgreSQL.
let ada: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [ada, bob] = [await newUser('ada'), await newUser('bob')];
});

const call = (user: TestUser | undefined, method: string, path = '', body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api/profile${path}`, {
    method,
    headers: {
      ...(user ? { authorization: `Bearer ${user.token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('profiles through the gateway', () => {
  it('belong to the token holder, whatever identity headers the client adds', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json', 'X-User-ID': bob.id },
      body: JSON.stringify({ display_name: 'Ada L.' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ user_id: ada.id, display_name: 'Ada L.' });
    expect((await call(bob, 'GET')).status).toBe(404);
  });

  it('can be read by another signed-in user, by id', async () => {
    const res = await call(bob, 'GET', `/${ada.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user_id: ada.id, display_name: 'Ada L.' });
  });

  it('are updated partially and deleted', async () => {
    const put = await call(ada, 'PUT', '', { website: 'https://ada.example' });
    expect(await put.json()).toMatchObject({ display_name: 'Ada L.', website: 'https://ada.example' });
    expect((await call(ada, 'DELETE')).status).toBe(204);
    expect((await call(ada, 'GET')).status).toBe(404);
  });

  it('need a token', async () => {
    const res = await call(undefined, 'GET');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
