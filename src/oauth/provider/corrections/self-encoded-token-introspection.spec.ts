import {
  A_JWT,
  afterEngine,
  ISSUER,
  RESOURCE_SERVER,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { introspectSelfEncodedToken } from './self-encoded-token-introspection.js';

const VERIFIED: AccessTokenContext = {
  subject: 'user-1',
  clientId: 'web',
  scopes: ['drive.read'],
  audience: ['http://127.0.0.1/api'],
  expiresAt: new Date(2_000_000_000_000),
  issuedAt: new Date(1_999_999_400_000),
  userPresent: true,
  jti: 'jti-1',
};

describe('introspectSelfEncodedToken, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** What the resource server's verifier says of the next token, and the tokens it was given. */
  let verdict: AccessTokenContext | Error = new Error('invalid');
  const verified: string[] = [];
  const verify = (token: string) => {
    verified.push(token);
    return verdict instanceof Error ? Promise.reject(verdict) : Promise.resolve(verdict);
  };
  beforeAll(async () => {
    under = await startEngine({
      corrections: [
        afterEngine(async (ctx) => {
          if (ctx.oidc?.route === 'introspection') {
            await introspectSelfEncodedToken(ctx, verify);
          }
        }),
      ],
    });
  });
  afterAll(() => under.close());

  const introspect = (value: string) =>
    under.request(PROVIDER_ROUTES.introspection, {
      basic: RESOURCE_SERVER,
      form: { token: value },
    });

  it('the engine refuses a JWT 400 unsupported_token_type; the client gets it described', async () => {
    verdict = VERIFIED;
    const response = await introspect(A_JWT);
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: {
        error: 'unsupported_token_type',
        error_description: expect.any(String) as unknown,
      },
    });
    expect(verified.at(-1)).toBe(A_JWT);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      active: true,
      client_id: 'web',
      exp: 2_000_000_000,
      iat: 1_999_999_400,
      iss: ISSUER,
      sub: 'user-1',
      aud: 'http://127.0.0.1/api',
      jti: 'jti-1',
      scope: 'drive.read',
      token_type: 'Bearer',
    });
  });

  it('a JWT that does not verify is inactive, and nothing more', async () => {
    verdict = new Error('expired');
    const response = await introspect(A_JWT);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ active: false });
  });

  it('the engine answers an opaque token itself', async () => {
    verified.length = 0;
    const response = await introspect('not-a-jwt');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ active: false });
    expect(verified).toEqual([]);
  });
});
