import { randomUUID } from 'node:crypto';
import {
  AUTH_EVENT_SCHEMA_VERSION,
  PostgresOutboxLog,
  type AuthEvent,
  type CommitTracker,
  type EntryOf,
  type Logger,
  type OutboxEntry,
} from '@feedmesh/common';
import pg from 'pg';

/** The PostgreSQL channel every auth-service instance listens on for revocations. */
const REVOCATION_CHANNEL = 'auth_revocations';

/** One revocation, as NOTIFY carries it: a token by its id, or every token of a user below a generation. */
export type Revocation = { jti: string; exp: number } | { user: string; generation: number };

/** What forward-auth knows of a verified access token that revocation looks at. */
export interface TokenFacts {
  userId: string;
  jti?: string;
  /** The user's token generation when it was signed (`gen`; 0 for tokens from before there were any). */
  generation: number;
}

/**
 * The revoked state, in memory, so forward-auth checks it without a database
 * round trip: ids of revoked tokens until they would have expired anyway, and
 * per user the generation below which tokens are void (a password change
 * bumps it). Pure: fed by `apply`, from the table at start and from NOTIFY.
 */
export class Revocations {
  private readonly tokens = new Map<string, number>();
  private readonly generations = new Map<string, number>();

  apply(r: Revocation): void {
    if ('jti' in r) this.tokens.set(r.jti, r.exp);
    else if (r.generation > (this.generations.get(r.user) ?? 0)) this.generations.set(r.user, r.generation);
  }

  revoked(t: TokenFacts): boolean {
    if (t.jti !== undefined && this.tokens.has(t.jti)) return true;
    return t.generation < (this.generations.get(t.userId) ?? 0);
  }

  /** Forgets revoked ids past their expiry: no token that old verifies anyway. */
  prune(nowSeconds: number): void {
    for (const [jti, exp] of this.tokens) if (exp < nowSeconds) this.tokens.delete(jti);
  }

  get size(): number {
    return this.tokens.size + this.generations.size;
  }
}

const isRevocation = (v: unknown): v is Revocation => {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    (typeof o.jti === 'string' && typeof o.exp === 'number') ||
    (typeof o.user === 'string' && typeof o.generation === 'number')
  );
};

export type AuthOutboxEntry = OutboxEntry<AuthEvent>;

/** The outbox of revocations: its tables are this service's (migrations/). */
export const authLog = (db: pg.Pool) =>
  new PostgresOutboxLog<AuthEvent>(db, { entries: 'auth_outbox', checkpoints: 'auth_outbox_checkpoints' });

/** Where a revocation's event goes: the log it commits with, the publisher told of it, this process's name. */
export interface RevocationOutbox {
  log: PostgresOutboxLog<AuthEvent>;
  publisher: CommitTracker<AuthOutboxEntry>;
  instance: string;
}

/** The event of a revocation, keyed by its user, so one user's revocations stay in order. */
function revocationEvent(userId: string, r: Revocation): EntryOf<AuthEvent> {
  return (commit) => {
    const envelope = {
      id: randomUUID(),
      schema_version: AUTH_EVENT_SCHEMA_VERSION,
      time: commit.committedAt.toISOString(),
      actor: userId,
    } as const;
    const event: AuthEvent =
      'jti' in r
        ? { ...envelope, type: 'token.revoked', data: { user_id: userId, jti: r.jti, expires_at: r.exp } }
        : { ...envelope, type: 'user.tokens_revoked', data: { user_id: userId, generation: r.generation } };
    return { id: event.id, key: userId, event, committedAt: commit.committedAt };
  };
}

/** How long the listener waits before connecting again after it lost PostgreSQL. */
const RECONNECT_MS = 1_000;
/** How often expired token ids are forgotten. */
const PRUNE_MS = 60_000;

/**
 * The `revoked_tokens` table and `users.token_generation`, and the feed that
 * keeps an instance's `Revocations` current: a dedicated connection LISTENs
 * first, then the table is read, so nothing committed between the two is
 * missed; after a lost connection it listens and reads again. A revocation
 * is applied at once on the instance that makes it, and reaches the others
 * when its NOTIFY does (milliseconds), NOTIFY being sent on commit. Each
 * revocation also commits its event to the outbox (auth-events), for what
 * a token opened elsewhere and still holds: feed-service's live streams.
 */
export class RevocationStore {
  private listener: pg.Client | undefined;
  private closed = false;
  private pruner: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: pg.Pool,
    readonly state: Revocations,
    private readonly outbox: RevocationOutbox,
    private readonly opts: { url: string; logger: Logger },
  ) {}

  async start(): Promise<void> {
    await this.listen();
    this.pruner = setInterval(() => this.state.prune(Math.floor(Date.now() / 1000)), PRUNE_MS).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruner);
    await this.listener?.end().catch(() => undefined);
  }

  /** Revokes one token of `userId` (logout); a second time changes nothing and publishes nothing. */
  async revokeToken(userId: string, jti: string, exp: number): Promise<void> {
    const r: Revocation = { jti, exp };
    await this.transact(async (client) => {
      const { rowCount } = await client.query(
        `WITH saved AS (
           INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (jti) DO NOTHING
           RETURNING jti
         ) SELECT pg_notify($3, $4) FROM saved`,
        [jti, exp, REVOCATION_CHANNEL, JSON.stringify(r)],
      );
      return rowCount ? [revocationEvent(userId, r)] : [];
    });
    this.state.apply(r);
  }

  /** Sets a user's password hash and voids every token signed before, in one transaction; the new generation. */
  async changePassword(userId: string, passwordHash: string): Promise<number> {
    let generation: number | undefined;
    await this.transact(async (client) => {
      const { rows } = await client.query<{ generation: number }>(
        `WITH changed AS (
           UPDATE users SET password_hash = $2, token_generation = token_generation + 1 WHERE id = $1
           RETURNING id, token_generation
         ) SELECT token_generation AS generation,
                  pg_notify($3, json_build_object('user', id, 'generation', token_generation)::text)
           FROM changed`,
        [userId, passwordHash, REVOCATION_CHANNEL],
      );
      generation = rows[0]?.generation;
      if (generation === undefined) throw new Error('no such user');
      return [revocationEvent(userId, { user: userId, generation })];
    });
    this.state.apply({ user: userId, generation: generation! });
    return generation!;
  }

  private transact(write: Parameters<PostgresOutboxLog<AuthEvent>['transact']>[2]): Promise<void> {
    return this.outbox.log.transact(this.outbox.publisher, this.outbox.instance, write);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.url });
    client.on('notification', (msg) => {
      try {
        const parsed: unknown = JSON.parse(msg.payload ?? '');
        if (isRevocation(parsed)) this.state.apply(parsed);
      } catch {
        this.opts.logger.warn({ payload: msg.payload }, 'unreadable revocation notification');
      }
    });
    client.on('error', (err) => {
      this.opts.logger.warn({ err }, 'revocation listener lost PostgreSQL; connecting again');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      this.listener = client;
      await this.load();
    } catch (err) {
      if (this.listener === client) this.listener = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private reconnect(old: pg.Client): void {
    if (this.closed || this.listener !== old) return;
    this.listener = undefined;
    void old.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    setTimeout(() => {
      if (this.closed) return;
      this.listen().catch((err: unknown) => {
        this.opts.logger.warn({ err }, 'revocation listener cannot reach PostgreSQL yet');
        this.retry();
      });
    }, RECONNECT_MS).unref();
  }

  private async load(): Promise<void> {
    const tokens = await this.db.query<{ jti: string; exp: number }>(
      `SELECT jti, extract(epoch FROM expires_at)::bigint::int AS exp FROM revoked_tokens WHERE expires_at > now()`,
    );
    for (const r of tokens.rows) this.state.apply(r);
    const users = await this.db.query<{ user: string; generation: number }>(
      `SELECT id AS user, token_generation AS generation FROM users WHERE token_generation > 0`,
    );
    for (const r of users.rows) this.state.apply(r);
  }
}
