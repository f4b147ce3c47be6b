import { importJWK, SignJWT } from 'jose';
import { KeysService } from '../../src/keys/keys.service.js';
import type { TestApp } from './test-app.js';

/**
 * An access token signed with the server's own RS256 key: only the claims (and header) given
 * differ from a real one, so a refusal is about exactly those.
 */
export async function forgeAccessToken(
  app: TestApp,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = app.app.get(KeysService).current.signing.find((jwk) => jwk.alg === 'RS256')!;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: 'someone',
    client_id: 'some-client',
    scope: 'drive.read',
    iss: app.issuer,
    aud: `${app.issuer}/api`,
    iat: now,
    exp: now + 600,
    jti: 'forged',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid, ...header })
    .sign(await importJWK(key, 'RS256'));
}
