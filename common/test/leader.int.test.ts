import { afterEach, describe, expect, it } from 'vitest';
import { consulServiceToken, stack } from '@feedmesh/testkit';
import { LeaderLock } from '../src/consul.js';

const locks: LeaderLock[] = [];
afterEach(async () => {
  for (const l of locks.splice(0)) await l.release();
});
const lock = (key: string) => {
  // As posts-service, the one service holding a lock: its token may lock under its own prefix only.
  const l = new LeaderLock({ url: stack.consulUrl, token: consulServiceToken('posts-service') }, key, 'test', 10);
  locks.push(l);
  return l;
};

describe('LeaderLock on the real Consul', () => {
  it('lets exactly one of several contenders lead, and another take over on release', async () => {
    const key = `feedmesh/posts-service/test-leader-${process.pid}-${Date.now()}`;
    const [a, b, c] = [lock(key), lock(key), lock(key)];
    const won = await Promise.all([a.tryAcquire(), b.tryAcquire(), c.tryAcquire()]);
    expect(won.filter(Boolean)).toHaveLength(1);

    const leader = [a, b, c][won.indexOf(true)]!;
    expect(await leader.tryAcquire()).toBe(true); // re-acquiring what it holds is fine
    await leader.release();
    const next = [a, b, c].filter((l) => l !== leader);
    const again = await Promise.all(next.map((l) => l.tryAcquire()));
    expect(again.filter(Boolean)).toHaveLength(1);
  });
});
