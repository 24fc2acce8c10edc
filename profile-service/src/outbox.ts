import { PostgresOutboxLog, type SocialEvent } from '@feedmesh/common';
import type pg from 'pg';

/** The outbox of the follow graph: its tables are this service's (migrations/). */
export const socialLog = (db: pg.Pool) =>
  new PostgresOutboxLog<SocialEvent>(db, { entries: 'social_outbox', checkpoints: 'social_outbox_checkpoints' });
