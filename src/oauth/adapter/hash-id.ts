import { createHash } from 'node:crypto';

/** The key under which a token, code, session id or user code is stored: its SHA-256. */
export function hashId(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
