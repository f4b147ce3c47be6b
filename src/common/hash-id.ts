import { sha256Base64url } from './sha256.js';

/**
 * The key under which a token, code, session id, user code or other credential is stored and
 * looked up: its SHA-256, so a copy of the database reveals none of them.
 */
export function hashId(value: string): string {
  return sha256Base64url(value);
}
