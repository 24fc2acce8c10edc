import { isoColumn } from '@feedmesh/common';
import type pg from 'pg';
import type { User } from './schemas.js';

type UserRow = User & { password_hash: string; token_generation: number };

/** Which unique field a registration collided on. */
export class DuplicateUserError extends Error {
  constructor(readonly field: 'email' | 'username') {
    super(`${field} already registered`);
  }
}

const PUBLIC_COLUMNS = `id, email, username, ${isoColumn('created_at')}`;

/** The `users` table. Never returns a password hash except to `findCredentials`. */
export class UsersRepository {
  constructor(private readonly db: pg.Pool) {}

  async create(user: { email: string; username: string; passwordHash: string }): Promise<User> {
    try {
      const { rows } = await this.db.query<User>(
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3) RETURNING ${PUBLIC_COLUMNS}`,
        [user.email, user.username, user.passwordHash],
      );
      return rows[0]!;
    } catch (err) {
      const { code, constraint } = err as { code?: string; constraint?: string };
      if (code === '23505') throw new DuplicateUserError(constraint === 'users_email_key' ? 'email' : 'username');
      throw err;
    }
  }

  async findCredentials(email: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${PUBLIC_COLUMNS}, password_hash, token_generation FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  async findCredentialsById(id: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${PUBLIC_COLUMNS}, password_hash, token_generation FROM users WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async findById(id: string): Promise<User | undefined> {
    const { rows } = await this.db.query<User>(`SELECT ${PUBLIC_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }
}
