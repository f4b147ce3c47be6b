import {
  afterEngine,
  ISSUER,
  RESOURCE_SERVER,
  SERVICE,
  serviceAccessToken,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { introspectExchangedToken } from './exchanged-token-introspection.js';

const EXCHANGED: AccessTokenContext = {
  subject: 'user-1',
  clientId: SERVICE.id,
  scopes: ['drive.read'],
  audience: ['http://127.0.0.1/api'],
  expiresAt: new Date(2_000_000_000_000),
  issuedAt: new Date(1_999_999_400_000),
  userPresent: true,
  grantKey: 'grant-key',
  actor: { sub: SERVICE.id },
};

describe('introspectExchangedToken, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** What the resource server's verifier says of the next token, and the tokens it was given. */
  let verdict: AccessTokenContext | Error = EXCHANGED;
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
            await introspectExchangedToken(ctx, verify);
          }
        }),
      ],
    });
  });
  afterAll(() => under.close());

  /**
   * What token exchange issues: an access token for the service, under the grant the user gave
   * the web app.
   */
  async function exchangedToken(): Promise<string> {
    const { engine } = under;
    const grant = new engine.Grant({ accountId: 'user-1', clientId: WEB.id });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const client = await engine.Client.find(SERVICE.id);
    const token = new engine.AccessToken({
      accountId: 'user-1',
      client: client!,
      grantId,
      gty: 'token_exchange',
      scope: 'openid',
    });
    return token.save();
  }

  const introspect = (value: string) =>
    under.request(PROVIDER_ROUTES.introspection, {
      basic: RESOURCE_SERVER,
      form: { token: value },
    });

  it("the engine finds the grant is another client's and says inactive; the client gets it described", async () => {
    verdict = EXCHANGED;
    const token = await exchangedToken();
    const response = await introspect(token);
    expect(under.lastAnswer()).toMatchObject({ status: 200, body: { active: false } });
    expect(verified.at(-1)).toBe(token);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      active: true,
      client_id: SERVICE.id,
      exp: 2_000_000_000,
      iat: 1_999_999_400,
      iss: ISSUER,
      sub: 'user-1',
      aud: 'http://127.0.0.1/api',
      scope: 'drive.read',
      act: { sub: SERVICE.id },
      token_type: 'Bearer',
    });
  });

  it('a token the verifier refuses stays inactive', async () => {
    verdict = new Error('revoked');
    const response = await introspect(await exchangedToken());
    expect(response.json).toEqual({ active: false });
  });

  it('a token without act stays inactive, whatever the verifier says', async () => {
    verdict = { ...EXCHANGED, actor: undefined };
    const response = await introspect(await exchangedToken());
    expect(response.json).toEqual({ active: false });
  });

  it('an active token is the engine’s answer, not looked at', async () => {
    verified.length = 0;
    const response = await introspect(await serviceAccessToken(under));
    expect(response.json).toMatchObject({ active: true, client_id: SERVICE.id });
    expect(verified).toEqual([]);
  });
});
