import { createHash } from 'node:crypto';

/**
 * SHA-256 of a string, base64url-encoded without padding (43 characters): the form RFC 7636
 * (PKCE `S256`), RFC 9449 (`ath`) and our own storage of credentials all use.
 */
export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
