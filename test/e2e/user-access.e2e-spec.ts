import { PersonalAccessTokens } from '../../src/account/personal-access-tokens.service.js';
import { UsersService } from '../../src/identity/users.service.js';
import { UserAccess } from '../../src/people/user-access.service.js';
import { apiMetadata, callApi, postForm, userApiTokens } from '../support/api.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  runCodeFlow,
} from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import { UserAgent } from '../support/user-agent.js';

const invalid = (issuer: string) =>
  `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${apiMetadata(issuer)}"`;

/** Taking a person's access away (a reset, disabling, deletion): everything dies at once. */
describe.each(['jwt', 'opaque'])('UserAccess.revokeEverything (%s access tokens)', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format } });

  const drive = async (token: string) => {
    const response = await callApi(setup.app, '/api/drive/files', { token });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  };

  it('ends sessions, revokes every grant and token, deletes personal tokens; others keep theirs', async () => {
    const { app, user } = setup;
    const other = await app.createUser();
    const mine = await userApiTokens(app, user, 'drive.read');
    const theirs = await userApiTokens(app, other, 'drive.read');
    const entity = (await app.app.get(UsersService).findById(user.id))!;
    const pat = await app.app
      .get(PersonalAccessTokens)
      .create(entity, { name: 'script', scopes: ['drive.read'], days: 7 }, { id: user.id });
    // A browser session that stays signed in.
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const browser = new UserAgent(app.issuer);
    await runCodeFlow(browser, config, client, user);
    expect((await drive(mine.accessToken)).status).toBe(200);
    expect((await drive(pat)).status).toBe(200);

    const revoked = await app.app
      .get(UserAccess)
      .revokeEverything(user.id, { id: 'admin' }, 'test');

    // Two browsers signed in (each flow's own), two apps authorized, one personal token.
    expect(revoked).toEqual({ sessions: 2, grants: 2, personalTokens: 1 });
    expect(await drive(mine.accessToken)).toEqual({ status: 401, challenge: invalid(app.issuer) });
    expect(await drive(pat)).toEqual({ status: 401, challenge: invalid(app.issuer) });
    const refresh = await postForm(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: mine.refreshToken },
      mine.client,
    );
    expect(refresh.status).toBe(400);
    expect(refresh.body).toMatchObject({ error: 'invalid_grant' });
    // The browser's session is gone: the next authorization asks to sign in again.
    const again = await browser.get((await authorizationRequest(config, client)).url.href);
    const page = again.location ? await browser.get(again.location) : again;
    expectPage(page, 'Sign in');
    // Someone else's access is untouched.
    expect((await drive(theirs.accessToken)).status).toBe(200);
  });
});
