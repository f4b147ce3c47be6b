import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { callApi, userApiTokens } from '../support/api.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

/** /admin/users: search, paging, each confirmed action and each refusal. */
describe('Administration pages: users (/admin/users)', () => {
  let app: TestApp;
  let admin: TestUser;
  let ua: UserAgent;
  let csrf: string;
  let sql: Sql;

  beforeAll(async () => {
    app = await TestApp.start();
    sql = new Sql(app.app.get(DataSource));
    admin = await app.createUser({ admin: true, email: 'aaa-admin@example.com', name: 'Ada' });
    ua = new UserAgent(app.issuer);
    expectPage(await signInAt(ua, admin, '/admin/users'), 'Users');
    csrf = hiddenField((await ua.get(`/admin/users/${admin.id}`)).body, '_csrf');
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (path: string, fields: Record<string, string> = {}) =>
    ua.postForm(path, { _csrf: csrf, ...fields });
  const snapshot = () =>
    sql.query('SELECT id, email, name, is_admin, disabled_at FROM users ORDER BY id');

  it('searches by email or name and pages', async () => {
    for (let i = 0; i < 3; i++) {
      await app.createUser({ email: `pager-${i}@example.com`, name: `Pager ${i}` });
    }
    const found = await ua.get('/admin/users?search=PAGER&limit=2');
    expectPage(found, 'pager-0@example.com');
    expect(found.body).toContain('pager-1@example.com');
    expect(found.body).not.toContain('pager-2@example.com');
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(found.body)![1].replaceAll('&amp;', '&');
    const second = await ua.get(next);
    expect(second.body).toContain('pager-2@example.com');
    expect(second.body).not.toContain('pager-0@example.com');
    const bad = await ua.get('/admin/users?after=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('the page cursor is not valid');
  });

  it("shows a user's state, sessions and connected apps", async () => {
    const user = await app.createUser({ name: 'Vera' });
    await userApiTokens(app, user, 'drive.read');
    const page = await ua.get(`/admin/users/${user.id}`);
    expectPage(page, user.email);
    expect(page.body).toContain('<dt>Email verified</dt><dd>no</dd>');
    expect(page.body).toContain('<dt>Sessions</dt><dd>1 signed in now</dd>');
    expect(page.body).toContain('<dt>Connected apps</dt><dd>web app</dd>');
    expect(page.body).toContain('Send password reset…');
    expect((await ua.get('/admin/users/no-such-user')).status).toBe(404);
  });

  it('disables after a confirmation step (the token dies), then enables', async () => {
    const user = await app.createUser();
    const { accessToken } = await userApiTokens(app, user, 'drive.read');
    const asked = await post(`/admin/users/${user.id}/disable`);
    expectPage(asked, `Disable ${user.email}?`);
    expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(200);
    const done = await post(`/admin/users/${user.id}/disable`, { confirmed: 'yes' });
    expectPage(done, `${user.email} was disabled`);
    expect(done.body).toContain('disabled since');
    expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(401);
    const enabled = await post(`/admin/users/${user.id}/enable`, { confirmed: 'yes' });
    expectPage(enabled, `${user.email} can sign in again.`);
  });

  it('makes and removes an admin', async () => {
    const user = await app.createUser();
    expectPage(
      await post(`/admin/users/${user.id}/make-admin`, { confirmed: 'yes' }),
      'is now an administrator',
    );
    expectPage(
      await post(`/admin/users/${user.id}/remove-admin`, { confirmed: 'yes' }),
      'is no longer an administrator',
    );
  });

  it('deletes only when the email is typed', async () => {
    const user = await app.createUser();
    const before = await snapshot();
    const wrong = await post(`/admin/users/${user.id}/delete`, { confirm: 'someone@else' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain(`Type the user&#39;s email, ${user.email}, to delete them.`);
    expect(await snapshot()).toEqual(before);
    const done = await post(`/admin/users/${user.id}/delete`, {
      confirm: user.email.toUpperCase(),
    });
    expectPage(done, `${user.email} was deleted`);
    expect((await ua.get(`/admin/users/${user.id}`)).status).toBe(404);
  });

  it.each([
    ['disable', { confirmed: 'yes' }, 'You cannot disable yourself'],
    ['remove-admin', { confirmed: 'yes' }, 'You cannot remove the admin role of yourself'],
    ['delete', { confirm: 'aaa-admin@example.com' }, 'You cannot delete yourself'],
  ])('refuses to %s oneself: 400, nothing changed', async (action, fields, message) => {
    const before = await snapshot();
    const refused = await post(`/admin/users/${admin.id}/${action}`, fields);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(message);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses posts without CSRF token, unknown actions and oversized forms', async () => {
    const user = await app.createUser();
    const before = await snapshot();
    const noCsrf = await ua.postForm(`/admin/users/${user.id}/disable`, { confirmed: 'yes' });
    expect(noCsrf.status).toBe(403);
    expect((await post(`/admin/users/${user.id}/explode`, { confirmed: 'yes' })).status).toBe(404);
    expect((await post('/admin/users/no-such-user/disable', { confirmed: 'yes' })).status).toBe(
      404,
    );
    const huge = await post(`/admin/users/${user.id}/delete`, { confirm: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('shows a non-admin a 403 page', async () => {
    const user = await app.createUser();
    const refused = await signInAt(new UserAgent(app.issuer), user, '/admin/users');
    expect(refused.status).toBe(403);
  });
});
