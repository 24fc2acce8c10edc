import { readFileSync } from 'node:fs';
import type { AccessTokenRef, AuthEvent } from '@feedmesh/common';
import type { ChainableCommander, Redis } from 'ioredis';
import type { FeedStore } from './feeds.js';

const script = readFileSync(new URL('../lua/apply-revocation.lua', import.meta.url), 'utf8');

interface RevocationPipeline extends ChainableCommander {
  applyRevocation(...args: Array<string | number>): RevocationPipeline;
}

/**
 * The revocations of access tokens, from auth-events: recorded in Redis and
 * added to the changes stream (lua/apply-revocation.lua), so that each
 * instance ends the live home streams a revoked token opened. Nothing else
 * in feed-service needs them: every other request passed forward-auth a
 * moment ago.
 */
export class RevokedTokens {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FeedStore['keys'],
    /** Changes kept in the changes stream (FEED_LIVE_WINDOW). */
    private readonly liveWindow: number,
  ) {
    redis.defineCommand('applyRevocation', { numberOfKeys: 3, lua: script });
  }

  /** Applies revocations in one round trip; true for each one new here. */
  async applyAll(events: AuthEvent[]): Promise<boolean[]> {
    const pipeline = this.redis.pipeline() as RevocationPipeline;
    const now = Math.floor(Date.now() / 1000);
    for (const event of events) {
      const { user_id: user } = event.data;
      const [kind, value, expires] =
        event.type === 'token.revoked'
          ? (['token', event.data.jti, event.data.expires_at] as const)
          : (['generation', event.data.generation, 0] as const);
      pipeline.applyRevocation(
        this.keys.revokedTokens(),
        this.keys.tokenGenerations(),
        this.keys.changes(),
        kind,
        user,
        value,
        expires,
        event.type,
        this.liveWindow,
        now,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    return events.map((_, i) => {
      const [err, applied] = replies[i] ?? [new Error('no answer from Redis'), null];
      if (err) throw err;
      return applied === 1;
    });
  }

  /**
   * Whether `user`'s token is revoked by now: by its id, or by a generation
   * above its own. A token not named (an identity without `token`) counts
   * as revoked once any generation of the user's was.
   */
  async revoked(user: string, token: AccessTokenRef | undefined): Promise<boolean> {
    // Both sent at once on the one connection: one round trip.
    const [expiry, generation] = await Promise.all([
      token ? this.redis.zscore(this.keys.revokedTokens(), token.id) : null,
      this.redis.hget(this.keys.tokenGenerations(), user),
    ]);
    return expiry !== null || Number(generation ?? 0) > (token?.generation ?? 0);
  }
}
