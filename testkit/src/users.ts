import { sleep } from './eventually.js';
import { stack } from './stack.js';

/**
 * Fetches, waiting out the credentials rate limit (429) instead of failing:
 * every suite of a run comes from the same client address.
 */
async function patiently(url: string, init: RequestInit, patienceMs: number): Promise<Response> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const res = await fetch(url, init);
    if (res.status !== 429 || Date.now() > deadline) return res;
    await res.body?.cancel();
    await sleep(250);
  }
}

/** Calls the gateway, waiting out its credentials rate limit. */
export function throughGateway(path: string, init: RequestInit = {}, patienceMs = 15_000): Promise<Response> {
  return patiently(`${stack.gatewayUrl}${path}`, init, patienceMs);
}

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
  token: string;
}

let counter = 0;

/**
 * Registers and logs in a user with unique data, through the gateway. A
 * suite that makes dozens at once passes auth-service's own address
 * (`serviceUrl('auth-service')`): the gateway's credentials rate limit would
 * stretch its setup by seconds.
 */
export async function newUser(tag = 'user', baseUrl = stack.gatewayUrl): Promise<TestUser> {
  counter += 1;
  const unique = `${tag}${counter}_${process.pid}_${Date.now().toString(36)}`;
  const creds = { email: `${unique}@example.com`, username: unique.slice(0, 32), password: 'correct horse battery' };
  const post = (path: string, body: object) =>
    patiently(
      `${baseUrl}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      15_000,
    );
  const reg = await post('/api/auth/register', creds);
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const { id } = (await reg.json()) as { id: string };
  const login = await post('/api/auth/login', { email: creds.email, password: creds.password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { access_token } = (await login.json()) as { access_token: string };
  return { id, ...creds, token: access_token };
}
