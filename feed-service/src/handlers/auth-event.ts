import type { AuthEvent } from '@feedmesh/common';
import type { RevokedTokens } from '../revocations.js';

/** Every revocation, of one token or of a user's tokens: one script records either, by its kind. */
export const applyAuthEvent =
  (revoked: RevokedTokens) =>
  (events: AuthEvent[]): Promise<boolean[]> =>
    revoked.applyAll(events);
