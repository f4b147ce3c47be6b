import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { UsersService } from '../../src/identity/users.service.js';
import { callApi, userApiTokens } from '../support/api.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

const NEW_PASSWORD = 'a completely different passphrase';

/** /account/password and /account/delete: each success and each refusal. */
describe('Account: change password, delete account', () => {
  let app: TestApp;
  let sql: Sql;

  beforeAll(async () => {
    app = await TestApp.start();
    sql = new Sql(app.app.get(DataSource));
  });

  afterAll(async () => {
    await app.close();
  });

  const row = (id: string) =>
    sql.query('SELECT password_hash, disabled_at FROM users WHERE id = ?', [id]);

  async function signedIn(user: TestUser, path: string) {
    const ua = new UserAgent(app.issuer);
    const page = await signInAt(ua, user, path);
    return {
      ua,
      page,
      csrf: page.body.includes('name="_csrf"') ? hiddenField(page.body, '_csrf') : '',
    };
  }

  it('changes the password: the current one first, the policy applies, other sessions end', async () => {
    const user = await app.createUser();
    const other = await signedIn(user, '/account');
    const { ua, page, csrf } = await signedIn(user, '/account/password');
    expectPage(page, 'Change password');
    const before = await row(user.id);

    const wrong = await ua.postForm('/account/password', {
      _csrf: csrf,
      current_password: 'not it at all',
      new_password: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Your current password is not correct.');
    const weak = await ua.postForm('/account/password', {
      _csrf: csrf,
      current_password: user.password,
      new_password: 'password',
    });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatch(/class="error"[^>]*>[^<]+</);
    const noCsrf = await ua.postForm('/account/password', {
      current_password: user.password,
      new_password: NEW_PASSWORD,
    });
    expect(noCsrf.status).toBe(403);
    expect(await row(user.id)).toEqual(before);

    const done = await ua.postForm('/account/password', {
      _csrf: csrf,
      current_password: user.password,
      new_password: NEW_PASSWORD,
    });
    expectPage(done, 'Your password was changed. Your other sessions were signed out.');
    const users = app.app.get(UsersService);
    expect(await users.authenticate(user.email, NEW_PASSWORD)).not.toBeNull();
    expect(await users.authenticate(user.email, user.password)).toBeNull();
    // This browser stays signed in; the other one is sent to sign in again.
    expectPage(await ua.get('/account'), 'Your account');
    expect((await other.ua.raw('/account')).status).toBe(303);
  });

  it('deletes the account with the password: everything goes', async () => {
    const user = await app.createUser();
    const { accessToken } = await userApiTokens(app, user, 'drive.read');
    const { ua, page, csrf } = await signedIn(user, '/account/delete');
    expectPage(page, 'Delete account');
    const wrong = await ua.postForm('/account/delete', { _csrf: csrf, password: 'nope nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Your current password is not correct.');
    const noCsrf = await ua.postForm('/account/delete', { password: user.password });
    expect(noCsrf.status).toBe(403);
    const huge = await ua.postForm('/account/delete', { _csrf: csrf, password: 'x'.repeat(5000) });
    expect(huge.status).toBe(400);
    expect((await row(user.id)).length).toBe(1);

    const done = await ua.postForm('/account/delete', { _csrf: csrf, password: user.password });
    expectPage(done, 'Account deleted');
    expect(await row(user.id)).toEqual([]);
    expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(401);
    expect((await ua.raw('/account')).status).toBe(303);
  });

  it('the last administrator cannot delete their account', async () => {
    const admin = await app.createUser({ admin: true });
    const { ua, csrf } = await signedIn(admin, '/account/delete');
    const refused = await ua.postForm('/account/delete', { _csrf: csrf, password: admin.password });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('they are the last administrator');
    expect((await row(admin.id)).length).toBe(1);
  });
});
