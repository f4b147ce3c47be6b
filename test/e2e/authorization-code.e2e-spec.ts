import { TestApp, type TestClient, type TestUser } from '../support/test-app.js';
import { discover, oidc, runCodeFlow } from '../support/oauth-client.js';
import { UserAgent } from '../support/user-agent.js';

describe('authorization code flow with PKCE', () => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await TestApp.start();
    user = await app.createUser({ name: 'Alice Example' });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['web', 'spa', 'native'] as const)(
    'a %s app signs the user in, gets tokens and calls userinfo',
    async (type) => {
      const client: TestClient = await app.createClient({ type });
      const config = await discover(app, client);
      const ua = new UserAgent(app.issuer);

      const { tokens, callback } = await runCodeFlow(ua, config, client, user);

      expect(callback.searchParams.get('iss')).toBe(app.issuer);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.expires_in).toBe(600);
      expect(tokens.refresh_token).toBeUndefined();
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ iss: app.issuer, aud: client.clientId, sub: user.id });
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo).toEqual({
        sub: user.id,
        name: 'Alice Example',
        updated_at: expect.any(Number),
        email: user.email,
        email_verified: false,
      });
    },
  );
});
