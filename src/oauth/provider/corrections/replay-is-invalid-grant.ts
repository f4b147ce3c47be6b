import { invalidGrant } from '../engine.js';
import { ENGINE_TEXT } from './engine-text.js';

/**
 * What the adapter throws when it finds, consuming a code or refresh token, that another
 * request consumed it first (a replay that raced past the engine's own `consumed` check): the
 * engine answers `invalid_grant` (RFC 6749 §5.2; a code used twice, §4.1.2; a refresh token
 * replayed, RFC 9700 §4.14.2), with the detail its own replay detection gives, so that its
 * logs and the audit trail (provider-audit.ts) treat both alike.
 */
export function replayError(kind: string): Error {
  return invalidGrant(
    (ENGINE_TEXT.replayed as Record<string, string | undefined>)[kind] ?? 'grant already used',
  );
}
