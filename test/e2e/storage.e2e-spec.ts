import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TestApp } from '../support/test-app.js';
import { authorizationRequest, discover, oidc, signIn, consent } from '../support/oauth-client.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * A copy of the database must reveal no usable credential: no token, code, session id,
 * interaction id, client secret or password in any column, nor anywhere in the SQLite files.
 */
describe('what the database stores', () => {
  it('contains no token, code, session id, client secret or password', async () => {
    const app = await TestApp.start();
    try {
      const user = await app.createUser({ password: 'a-very-memorable-password' });
      const client = await app.createClient({ type: 'web' });
      const config = await discover(app, client);
      const ua = new UserAgent(app.issuer);
      const request = await authorizationRequest(config, client, {
        scope: 'openid email offline_access',
        prompt: 'consent',
      });
      const signInPage = await ua.get(request.url.href);
      const interactionUid = /\/interaction\/([^/]+)\/login/.exec(signInPage.body)![1];
      const consentPage = await signIn(ua, signInPage, user);
      const callback = new URL((await consent(ua, consentPage)).location!);
      const code = callback.searchParams.get('code')!;
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      const secrets: Record<string, string> = {
        'access token': tokens.access_token,
        'refresh token': tokens.refresh_token!,
        'authorization code': code,
        'interaction id': interactionUid,
        'client secret': client.clientSecret!,
        password: user.password,
        'PKCE verifier': request.verifier,
      };
      const session = ua.cookieValue('_session');
      expect(session).toEqual(expect.any(String));
      secrets['session id'] = session!;

      const dataSource = app.app.get(DataSource);
      const tables = ['users', 'clients', 'oidc_payloads', 'keys'];
      let dump = '';
      for (const table of tables) {
        dump += JSON.stringify(await dataSource.query(`SELECT * FROM "${table}"`));
      }
      expect(dump).toContain(user.email); // the dump is real
      for (const [label, value] of Object.entries(secrets)) {
        expect({ label, found: dump.includes(value) }).toEqual({ label, found: false });
      }

      if (app.config.database.type === 'better-sqlite3') {
        const files = readdirSync(app.config.dataDir)
          .filter((name) => name.startsWith('gatehouse.sqlite'))
          .map((name) => readFileSync(join(app.config.dataDir, name)).toString('latin1'));
        expect(files.length).toBeGreaterThan(0);
        for (const [label, value] of Object.entries(secrets)) {
          expect({ label, found: files.some((f) => f.includes(value)) }).toEqual({
            label,
            found: false,
          });
        }
      }
    } finally {
      await app.close();
    }
  });
});
