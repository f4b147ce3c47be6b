import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Base64url } from '../../common/sha256.js';

/**
 * Client secrets are server-generated random strings (256 bits), so a fast hash is as strong as
 * a slow one here and keeps client authentication cheap. Only the SHA-256 is stored.
 */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return sha256Base64url(secret);
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function clientSecretMatches(presented: unknown, storedHash: string | undefined): boolean {
  if (typeof presented !== 'string' || !storedHash) {
    return false;
  }
  const actual = createHash('sha256').update(presented).digest();
  const expected = Buffer.from(storedHash, 'base64url');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
