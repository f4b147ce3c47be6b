import { KeysService } from '../../src/keys/keys.service.js';
import {
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifier,
} from '../../src/tokens/jwt-access-token.verifier.js';
import { InvalidAccessToken } from '../../src/tokens/access-token-context.js';
import { codeFlowWithNewClient, discover, oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
}

/** Verifies the tokens the real server issues, with its own keys (issue 3, RFC 9068). */
describe('JWT access token verifier against the real server', () => {
  const setup = useTestApp();
  let verify: JwtAccessTokenVerifier;

  beforeAll(() => {
    const { app } = setup;
    verify = createJwtAccessTokenVerifier({
      issuer: app.issuer,
      audience: `${app.issuer}/api`,
      keys: app.app.get(KeysService).current.signing,
    });
  });

  async function expectRejected(token: string): Promise<void> {
    const error = await verify(token).then(
      () => new Error('expected the token to be rejected'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidAccessToken);
    expect((error as Error).message).toBe('The access token is invalid');
  }

  it('accepts a client_credentials token: the service is its own subject, no user', async () => {
    const { app } = setup;
    const service = await app.createClient({ type: 'service', scope: 'drive.read' });
    const tokens = await oidc.clientCredentialsGrant(await discover(app, service), {
      scope: 'drive.read',
    });
    const before = Date.now();
    const context = await verify(tokens.access_token);
    expect(context).toEqual({
      subject: service.clientId,
      clientId: service.clientId,
      scopes: ['drive.read'],
      audience: [`${app.issuer}/api`],
      expiresAt: expect.any(Date),
      issuedAt: expect.any(Date),
      userPresent: false,
      jti: expect.any(String),
    });
    // expires_in is 600 s; allow for the second-resolution exp.
    const remaining = context.expiresAt.getTime() - before;
    expect(remaining).toBeGreaterThan(590_000);
    expect(remaining).toBeLessThanOrEqual(601_000);
  });

  describe('the authorization code flow with openid drive.read', () => {
    let clientId: string;
    let accessToken: string;
    let idToken: string;

    beforeAll(async () => {
      const { app, user } = setup;
      const { client, tokens } = await codeFlowWithNewClient(app, user, 'web', {
        scope: 'openid drive.read',
        prompt: 'consent',
      });
      clientId = client.clientId;
      accessToken = tokens.access_token;
      idToken = tokens.id_token!;
    });

    it('returns a JWT access token for the API, not for userinfo', () => {
      const { app, user } = setup;
      const [header, payload] = accessToken.split('.').slice(0, 2).map(decode);
      expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
      expect(payload).toMatchObject({
        iss: app.issuer,
        aud: `${app.issuer}/api`,
        sub: user.id,
        client_id: clientId,
        scope: 'drive.read',
      });
    });

    it('the access token verifies: the user is the subject and is present', async () => {
      const { app, user } = setup;
      await expect(verify(accessToken)).resolves.toEqual({
        subject: user.id,
        clientId,
        scopes: ['drive.read'],
        audience: [`${app.issuer}/api`],
        expiresAt: expect.any(Date),
        issuedAt: expect.any(Date),
        userPresent: true,
        jti: expect.any(String),
        grantKey: expect.stringMatching(/^[\w-]{43}$/),
      });
    });

    it('the ID token of the same flow, same keys and issuer, is refused', async () => {
      const header = decode(idToken.split('.')[0]);
      expect(header.typ).not.toBe('at+jwt');
      await expectRejected(idToken);
    });
  });

  it('an opaque (userinfo-only) access token is refused', async () => {
    const { app, user } = setup;
    const { tokens } = await codeFlowWithNewClient(app, user, 'web', {
      scope: 'openid profile',
      prompt: 'consent',
    });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    await expectRejected(tokens.access_token);
  });

  it('a token from another Gatehouse (other keys, other issuer) is refused', async () => {
    const other = await TestApp.start();
    try {
      const service = await other.createClient({ type: 'service', scope: 'drive.read' });
      const tokens = await oidc.clientCredentialsGrant(await discover(other, service), {
        scope: 'drive.read',
      });
      await expectRejected(tokens.access_token);
    } finally {
      await other.close();
    }
  });
});
