import { sha256Base64url } from '../../common/sha256.js';
import type { Sql } from '../../database/sql.js';
import type { ReplayMemory } from './dpop-proof.js';

/**
 * The DPoP proof ids seen lately, in the database: every instance refuses a proof any of them
 * accepted (RFC 9449 §11.1). One conditional insert per DPoP request; `tokens:purge` deletes
 * the expired rows, and an expired row is reclaimed by the next proof with its id.
 */
export function databaseReplayMemory(sql: Sql, now: () => number = Date.now): ReplayMemory {
  return {
    async firstUse(id, ttlMs) {
      const key = sha256Base64url(id);
      const at = now();
      const claimed = await sql.query<{ jti_key: string }>(
        `INSERT INTO dpop_proofs (jti_key, expires_at) VALUES (?, ?)
         ON CONFLICT (jti_key) DO UPDATE SET expires_at = excluded.expires_at
           WHERE dpop_proofs.expires_at <= ?
         RETURNING jti_key`,
        [key, at + ttlMs, at],
      );
      return claimed.length === 1;
    },
  };
}
