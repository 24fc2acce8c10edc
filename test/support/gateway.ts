import { stack } from './stack.js';

/**
 * Calls the gateway, waiting out the credentials rate limit (429) instead of
 * failing: the tests of one run all come from the same client address.
 */
export async function throughGateway(path: string, init: RequestInit = {}, patienceMs = 15_000): Promise<Response> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const res = await fetch(`${stack.gatewayUrl}${path}`, init);
    if (res.status !== 429 || Date.now() > deadline) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
  token: string;
}

let counter = 0;
/** Registers and logs in a user with unique data, through the gateway. */
export async function newUser(tag = 'user'): Promise<TestUser> {
  counter += 1;
  const unique = `${tag}${counter}_${process.pid}_${Date.now().toString(36)}`;
  const creds = { email: `${unique}@example.com`, username: unique.slice(0, 32), password: 'correct horse battery' };
  const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
  const reg = await throughGateway('/api/auth/register', { ...json, body: JSON.stringify(creds) });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const { id } = (await reg.json()) as { id: string };
  const login = await throughGateway('/api/auth/login', {
    ...json,
    body: JSON.stringify({ email: creds.email, password: creds.password }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { access_token } = (await login.json()) as { access_token: string };
  return { id, ...creds, token: access_token };
}
