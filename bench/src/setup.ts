/** What every benchmark needs from the environment `stack/mesh bench` exports. */
export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run benchmarks through \`stack/mesh bench\``);
  return v;
}

export async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A user of the benchmark's own, made straight at auth-service (through the
 * gateway, the credentials rate limit would throttle a benchmark).
 */
export async function benchUser(tag: string) {
  const auth = env('AUTH_URL');
  const stamp = `${Date.now().toString(36)}${process.pid}`;
  const creds = {
    email: `bench.${tag}.${stamp}@example.com`,
    username: `bench_${tag}_${stamp}`.slice(0, 32),
    password: 'benchmark password',
  };
  const post = (path: string, body: object) =>
    fetch(`${auth}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const user = await json<{ id: string; username: string }>(await post('/api/auth/register', creds));
  const { access_token } = await json<{ access_token: string }>(
    await post('/api/auth/login', { email: creds.email, password: creds.password }),
  );
  return { ...creds, id: user.id, token: access_token };
}

export const round3 = (n: number) => Math.round(n * 1000) / 1000;
