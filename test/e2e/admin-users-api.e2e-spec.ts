import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { UsersService } from '../../src/identity/users.service.js';
import { callApi, userApiTokens } from '../support/api.js';
import { TestApp, type TestUser } from '../support/test-app.js';

interface User {
  id: string;
  email: string;
  name: string | null;
  admin: boolean;
  disabled: boolean;
}

/** /api/admin/users: each action and each refusal, with the database unchanged on refusals. */
describe('Admin API (/api/admin/users)', () => {
  let app: TestApp;
  let admin: TestUser;
  let token: string;
  let sql: Sql;

  beforeAll(async () => {
    app = await TestApp.start();
    sql = new Sql(app.app.get(DataSource));
    admin = await app.createUser({ admin: true, email: 'ada@example.com', name: 'Ada' });
    const tool = await app.createClient({
      type: 'web',
      name: 'Admin tool',
      scope: 'openid offline_access admin drive.read',
    });
    token = (await userApiTokens(app, admin, 'admin', tool)).accessToken;
  });

  afterAll(async () => {
    await app.close();
  });

  const api = (path: string, method = 'GET', body?: unknown) =>
    callApi(app, `/api/admin/users${path}`, { method, token, body });
  /** Every user row as stored: what a refusal must leave as it was. */
  const snapshot = () =>
    sql.query(
      'SELECT id, email, name, is_admin, disabled_at, password_hash FROM users ORDER BY id',
    );

  it('lists by email, searches email and name, pages with a cursor', async () => {
    await app.createUser({ email: 'bob@example.com', name: 'Bob Builder' });
    await app.createUser({ email: 'carol@example.com', name: 'Carol 100%' });
    const first = await api('?limit=2');
    expect(first.status).toBe(200);
    const page = first.body as { users: User[]; next: string };
    expect(page.users.map((u) => u.email)).toEqual(['ada@example.com', 'bob@example.com']);
    const second = (await api(`?limit=2&after=${page.next}`)).body as { users: User[] };
    expect(second.users.map((u) => u.email)).toContain('carol@example.com');
    expect(((await api('?search=BUILDER')).body as { users: User[] }).users).toEqual([
      expect.objectContaining({ email: 'bob@example.com', name: 'Bob Builder', admin: false }),
    ]);
    // A LIKE wildcard is searched for, not interpreted.
    const percent = (await api('?search=%25')).body as { users: User[] };
    expect(percent.users.map((u) => u.email)).toEqual(['carol@example.com']);
  });

  it('reads one user with sessions and connected apps; 404 for an unknown id', async () => {
    const read = await api(`/${admin.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: admin.id,
      email: admin.email,
      admin: true,
      disabled: false,
      email_verified: false,
      sessions: 1,
      connected_apps: [{ client_id: expect.any(String), name: 'Admin tool' }],
    });
    const unknown = await api('/no-such-user');
    expect([unknown.status, unknown.body]).toEqual([
      404,
      { error: 'not_found', error_description: 'no user with id no-such-user' },
    ]);
  });

  it('patches name and admin, disables (their token dies) and enables', async () => {
    const user = await app.createUser();
    const theirs = await userApiTokens(app, user, 'drive.read');
    const renamed = await api(`/${user.id}`, 'PATCH', { name: ' Dee ', admin: true });
    expect([renamed.status, renamed.body]).toEqual([
      200,
      expect.objectContaining({ name: 'Dee', admin: true }),
    ]);
    const disabled = await api(`/${user.id}`, 'PATCH', { disabled: true, admin: false });
    expect(disabled.body).toMatchObject({ disabled: true, admin: false });
    const drive = await callApi(app, '/api/drive/files', { token: theirs.accessToken });
    expect(drive.status).toBe(401);
    expect((await api(`/${user.id}`, 'PATCH', { disabled: false })).body).toMatchObject({
      disabled: false,
    });
    const events = await callApi(app, `/api/admin/audit?actor=${admin.id}`, { token });
    expect((events.body as { events: { event: string }[] }).events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['user.updated', 'user.disabled', 'user.enabled']),
    );
  });

  it('sets a password under the policy, signing the user out', async () => {
    const user = await app.createUser();
    const set = await api(`/${user.id}/password`, 'POST', { password: 'a brand new passphrase' });
    expect(set.status).toBe(204);
    const users = app.app.get(UsersService);
    expect(await users.authenticate(user.email, 'a brand new passphrase')).not.toBeNull();
    const before = await snapshot();
    const weak = await api(`/${user.id}/password`, 'POST', { password: 'password' });
    expect(weak.status).toBe(400);
    expect((weak.body as { error_description: string }).error_description).toMatch(/\w/);
    expect(await snapshot()).toEqual(before);
  });

  it('deletes a user: 204, then 404', async () => {
    const user = await app.createUser();
    expect((await api(`/${user.id}`, 'DELETE')).status).toBe(204);
    expect((await api(`/${user.id}`)).status).toBe(404);
    expect((await api(`/${user.id}`, 'DELETE')).status).toBe(404);
  });

  it.each([
    ['PATCH', 'self', 'You cannot disable yourself', { disabled: true }],
    ['PATCH', 'self', 'You cannot remove the admin role of yourself', { admin: false }],
    ['DELETE', 'self', 'You cannot delete yourself', undefined],
  ])('%s %s: 409 "%s", nothing changed', async (method, path, reason, body) => {
    const before = await snapshot();
    const refused = await api(`/${path.replace('self', admin.id)}`, method, body);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: 'conflict',
      error_description: expect.stringContaining(reason),
    });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['PATCH', 'self', 'admin must be true or false', { admin: 'no' }],
    ['PATCH', 'self', 'unknown field(s): email', { email: 'x@example.com' }],
    ['PATCH', 'self', 'name must be at most 200 characters', { name: 'x'.repeat(201) }],
    ['PATCH', 'self', 'the body must be a JSON object', ['not', 'an object']],
    ['POST', 'self/password', 'password is required', {}],
    ['POST', 'self/password', 'at most 256 characters', { password: 'x'.repeat(300) }],
    ['GET', '?limit=500', 'limit must be at most 200', undefined],
    ['GET', '?after=bm9wZQ', 'the page cursor is not valid', undefined],
    ['GET', '?role=admin', 'unknown field(s): role', undefined],
  ])('%s %s: 400 "%s", nothing changed', async (method, path, reason, body) => {
    const before = await snapshot();
    const target = path.startsWith('?') ? path : `/${path.replace('self', admin.id)}`;
    const refused = await api(target, method, body);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining(reason),
    });
    expect(await snapshot()).toEqual(before);
  });

  it('a token without the admin scope, or of a non-admin, is refused', async () => {
    const drive = (await userApiTokens(app, admin, 'drive.read')).accessToken;
    expect((await callApi(app, '/api/admin/users', { token: drive })).status).toBe(403);
    expect((await callApi(app, '/api/admin/users')).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await callApi(app, '/api/docs/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/admin/users'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/admin/users/{id}']).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(Object.keys(doc.paths['/api/admin/users/{id}/password'])).toEqual(['post']);
  });

  it("refuses a disabled administrator's token even before its revocation reaches it", async () => {
    const other = await app.createUser({ admin: true, email: 'zed-admin@example.com' });
    const tool = await app.createClient({ type: 'web', scope: 'openid offline_access admin' });
    const otherToken = (await userApiTokens(app, other, 'admin', tool)).accessToken;
    const call = () => callApi(app, '/api/admin/users', { token: otherToken });
    expect((await call()).status).toBe(200);
    // The role's row alone (what UserLifecycle.disable also does, besides revoking tokens).
    await app.app.get(UsersService).setDisabled(other.id, Date.now());
    const refused = await call();
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'access_denied',
      error_description: 'Only administrators may use the admin API',
    });
  });
});
