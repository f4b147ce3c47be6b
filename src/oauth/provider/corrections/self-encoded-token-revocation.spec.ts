import {
  A_JWT,
  afterEngine,
  SERVICE,
  serviceAccessToken,
  SPA,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { ENGINE_TEXT } from './engine-text.js';
import { revokeSelfEncodedToken } from './self-encoded-token-revocation.js';

const A_TOKEN: AccessTokenContext = {
  subject: 'user-1',
  clientId: WEB.id,
  scopes: ['drive.read'],
  audience: ['http://127.0.0.1/api'],
  expiresAt: new Date(2_000_000_000_000),
  issuedAt: new Date(1_999_999_400_000),
  userPresent: true,
  jti: 'jti-1',
};

describe('revokeSelfEncodedToken, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** What the resource server's verifier says of the next token. */
  let verdict: AccessTokenContext | Error = new Error('invalid');
  let grants = new Map<string, string>();
  const calls: unknown[][] = [];
  const revoked: string[] = [];

  beforeAll(async () => {
    under = await startEngine({
      corrections: [
        afterEngine(async (ctx) => {
          if (ctx.oidc?.route === 'revocation') {
            await revokeSelfEncodedToken(ctx, {
              verify: () =>
                verdict instanceof Error ? Promise.reject(verdict) : Promise.resolve(verdict),
              revokeToken: (jti, until) => Promise.resolve(void calls.push(['token', jti, until])),
              revokeGrant: (key) => Promise.resolve(void calls.push(['grant', key])),
              grantIdFor: (key) => Promise.resolve(grants.get(key)),
            });
          }
        }),
      ],
    });
    under.engine.on('grant.revoked', (_ctx: unknown, grantId: string) => revoked.push(grantId));
  });
  afterAll(() => under.close());
  beforeEach(() => {
    calls.length = 0;
    revoked.length = 0;
    grants = new Map();
  });

  const revoke = (client: { id: string; secret?: string }, token: string) =>
    under.request(PROVIDER_ROUTES.revocation, {
      ...(client.secret ? { basic: { id: client.id, secret: client.secret } } : {}),
      form: { token, ...(client.secret ? {} : { client_id: client.id }) },
    });

  /** An opaque access token of the web client under `grantId`. */
  async function accessToken(grantId: string): Promise<string> {
    return new under.engine.AccessToken({
      client: (await under.engine.Client.find(WEB.id))!,
      accountId: 'user-1',
      grantId,
      gty: 'authorization_code',
      scope: 'openid',
    }).save();
  }

  /** An opaque access token of the web client under a new grant. */
  async function opaqueTokenUnderGrant(): Promise<{ token: string; grantId: string }> {
    const grant = new under.engine.Grant({ accountId: 'user-1', clientId: WEB.id });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    return { token: await accessToken(grantId), grantId };
  }

  it('the engine refuses a JWT 400 unsupported_token_type, once it knows the client', async () => {
    await revoke(WEB, A_JWT);
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: { error: 'unsupported_token_type' },
    });
    const unauthenticated = await revoke({ id: WEB.id, secret: 'wrong' }, A_JWT);
    expect(unauthenticated.status).toBe(401);
  });

  it('a JWT that does not verify gets what the engine gives an unknown token: 200, empty', async () => {
    const engine = await revoke(WEB, 'unknown-opaque-token');
    verdict = new Error('expired');
    const response = await revoke(WEB, A_JWT);
    expect(engine.status).toBe(200);
    expect(engine.text).toBe('');
    expect(response.status).toBe(engine.status);
    expect(response.text).toBe(engine.text);
    expect(response.headers.get('content-type')).toBe(engine.headers.get('content-type'));
    expect(calls).toEqual([]);
  });

  it("another client's JWT is refused as the engine refuses another client's opaque token", async () => {
    const opaque = await serviceAccessToken(under);
    const engine = await revoke(WEB, opaque);
    expect(engine.status).toBe(400);
    expect(engine.json).toEqual({
      error: 'invalid_request',
      error_description: ENGINE_TEXT.notAllowedToRevoke,
    });
    verdict = { ...A_TOKEN, clientId: SERVICE.id };
    const response = await revoke(WEB, A_JWT);
    expect(response.status).toBe(400);
    expect(response.json).toEqual(engine.json);
    expect(calls).toEqual([]);
  });

  it('… and a public client learns nothing, as from the engine', async () => {
    const opaque = await serviceAccessToken(under);
    const engine = await revoke(SPA, opaque);
    verdict = { ...A_TOKEN, clientId: SERVICE.id };
    const response = await revoke(SPA, A_JWT);
    expect(engine.status).toBe(200);
    expect(engine.text).toBe('');
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it("revoking an opaque access token, the engine revokes its grant's tokens and keeps the grant", async () => {
    const { token, grantId } = await opaqueTokenUnderGrant();
    const sibling = await accessToken(grantId);
    const response = await revoke(WEB, token);
    expect(response.status).toBe(200);
    expect(await under.engine.AccessToken.find(token)).toBeUndefined();
    expect(await under.engine.AccessToken.find(sibling)).toBeUndefined();
    expect(await under.engine.Grant.find(grantId)).toBeDefined();
    // It announces grant.revoked only when the grant itself goes (a refresh token revoked).
    expect(revoked).toEqual([]);
  });

  it('a JWT is revoked the same way, the grant kept, and grant.revoked announced', async () => {
    const { token, grantId } = await opaqueTokenUnderGrant();
    grants.set('grant-key', grantId);
    verdict = { ...A_TOKEN, grantKey: 'grant-key' };
    const response = await revoke(WEB, A_JWT);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(revoked).toEqual([grantId]);
    expect(await under.engine.AccessToken.find(token)).toBeUndefined();
    // The grant itself is kept.
    expect(await under.engine.Grant.find(grantId)).toBeDefined();
  });

  it('a JWT whose grant is gone revokes the grant key; one without a grant, itself', async () => {
    verdict = { ...A_TOKEN, grantKey: 'gone' };
    await revoke(WEB, A_JWT);
    verdict = { ...A_TOKEN, grantKey: undefined };
    await revoke(WEB, A_JWT);
    expect(calls).toEqual([
      ['grant', 'gone'],
      ['token', 'jti-1', 2_000_000_000_000],
    ]);
  });
});
