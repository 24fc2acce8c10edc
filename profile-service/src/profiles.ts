import { isoColumn } from '@feedmesh/common';
import type pg from 'pg';
import type { CreateProfile, Profile, UpdateProfile } from './schemas.js';

/** A user's counts from `follow_counts`, kept with each follow (follows.ts); none yet is zero. */
const count = (column: 'followers' | 'following') =>
  `coalesce((SELECT ${column} FROM follow_counts c WHERE c.user_id = user_profiles.user_id), 0)::int AS ${column}_count`;
const COLUMNS = `user_id, display_name, bio, avatar_url, location, website, ${isoColumn('created_at')}, ${isoColumn('updated_at')}, ${count('followers')}, ${count('following')}`;
const EDITABLE = ['display_name', 'bio', 'avatar_url', 'location', 'website'] as const;

/** The `user_profiles` table: one row per user, keyed by the caller's id. */
export class ProfilesRepository {
  constructor(private readonly db: pg.Pool) {}

  /** Undefined when the user already has a profile. */
  async create(userId: string, p: CreateProfile): Promise<Profile | undefined> {
    const { rows } = await this.db.query<Profile>(
      `INSERT INTO user_profiles (user_id, display_name, bio, avatar_url, location, website)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO NOTHING RETURNING ${COLUMNS}`,
      [userId, p.display_name, p.bio ?? null, p.avatar_url ?? null, p.location ?? null, p.website ?? null],
    );
    return rows[0];
  }

  async find(userId: string): Promise<Profile | undefined> {
    const { rows } = await this.db.query<Profile>(`SELECT ${COLUMNS} FROM user_profiles WHERE user_id = $1`, [userId]);
    return rows[0];
  }

  /** Sets only the given fields, in one statement. Undefined when there is no profile. */
  async update(userId: string, changes: UpdateProfile): Promise<Profile | undefined> {
    const names = EDITABLE.filter((name) => changes[name] !== undefined);
    const sets = names.map((name, i) => `${name} = $${i + 2}`);
    const { rows } = await this.db.query<Profile>(
      `UPDATE user_profiles SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE user_id = $1 RETURNING ${COLUMNS}`,
      [userId, ...names.map((name) => changes[name])],
    );
    return rows[0];
  }
}
