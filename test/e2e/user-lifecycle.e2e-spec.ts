import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PersonalAccessTokens } from '../../src/account/personal-access-tokens.service.js';
import { Sql } from '../../src/database/sql.js';
import { UsersService } from '../../src/identity/users.service.js';
import { UserLifecycle } from '../../src/people/user-lifecycle.service.js';
import { apiMetadata, callApi, postForm, userApiTokens } from '../support/api.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { formAction, hiddenField, UserAgent } from '../support/user-agent.js';

const invalid = (issuer: string) =>
  `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${apiMetadata(issuer)}"`;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ADMIN = { id: 'admin-under-test', ip: '127.0.0.1' };

/** Disabling, enabling and deleting a person: their access dies at once, for both formats. */
describe.each(['jwt', 'opaque'])('user lifecycle (%s access tokens)', (format) => {
  let app: TestApp;
  let people: UserLifecycle;
  let sql: Sql;

  beforeAll(async () => {
    app = await TestApp.start({ ACCESS_TOKEN_FORMAT: format });
    people = app.app.get(UserLifecycle);
    sql = new Sql(app.app.get(DataSource));
  });

  afterAll(async () => {
    await app.close();
  });

  const drive = async (token: string) => {
    const response = await callApi(app, '/api/drive/files', { token });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  };
  const personalToken = async (user: TestUser) =>
    app.app
      .get(PersonalAccessTokens)
      .create(
        (await app.app.get(UsersService).findById(user.id))!,
        { name: 'script', scopes: ['drive.read', 'drive.write'], days: 7 },
        { id: user.id },
      );
  const refresh = (tokens: Awaited<ReturnType<typeof userApiTokens>>) =>
    postForm(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
      tokens.client,
    );

  /** A device code the user enters and tries to complete on the device page. */
  async function completeDeviceCode(
    user: TestUser,
    { allow = false, before = async () => {} } = {},
  ) {
    const tv = await app.createClient({ type: 'device', name: 'TV' });
    const started = (await postForm(app, '/oauth/device/auth', { scope: 'openid' }, tv)).body as {
      device_code: string;
      user_code: string;
    };
    const ua = new UserAgent(app.issuer);
    const entry = await ua.get('/device');
    const confirm = await ua.postForm(formAction(entry.body), {
      xsrf: hiddenField(entry.body, 'xsrf'),
      user_code: started.user_code,
    });
    const login = await ua.postForm(formAction(confirm.body), {
      xsrf: hiddenField(confirm.body, 'xsrf'),
      user_code: hiddenField(confirm.body, 'user_code'),
      confirm: 'yes',
    });
    const signedIn = await ua.postForm(formAction(login.body), {
      _csrf: hiddenField(login.body, '_csrf'),
      email: user.email,
      password: user.password,
    });
    if (allow) {
      await ua.postForm(formAction(signedIn.body), { _csrf: hiddenField(signedIn.body, '_csrf') });
    }
    await before();
    const poll = await postForm(
      app,
      '/oauth/token',
      { grant_type: DEVICE_GRANT, device_code: started.device_code },
      tv,
    );
    return { signedIn, poll };
  }

  it('disable: tokens die on the next request, refresh fails, no PAT, no sign-in, no device', async () => {
    const user = await app.createUser();
    const other = await app.createUser();
    const tokens = await userApiTokens(app, user, 'drive.read');
    const theirs = await userApiTokens(app, other, 'drive.read');
    const pat = await personalToken(user);
    expect((await drive(tokens.accessToken)).status).toBe(200);
    expect((await drive(pat)).status).toBe(200);

    const disabled = await people.disable(user.id, ADMIN);
    expect(disabled.disabledAt).toEqual(expect.any(Number));

    expect(await drive(tokens.accessToken)).toEqual({
      status: 401,
      challenge: invalid(app.issuer),
    });
    expect(await drive(pat)).toEqual({ status: 401, challenge: invalid(app.issuer) });
    const refused = await refresh(tokens);
    expect([refused.status, (refused.body as { error: string }).error]).toEqual([
      400,
      'invalid_grant',
    ]);
    // A personal token made after the disable (the pages would not let them) is refused too.
    expect(await drive(await personalToken(user))).toEqual({
      status: 401,
      challenge: invalid(app.issuer),
    });
    const signIn = await signInAt(new UserAgent(app.issuer), user, '/account');
    expect(signIn.status).toBe(400);
    expect(signIn.body).toContain('Incorrect email or password.');
    const device = await completeDeviceCode(user);
    expect(device.signedIn.body).toContain('Incorrect email or password.');
    expect(device.poll.body).toMatchObject({ error: 'authorization_pending' });
    // Someone else's access is untouched.
    expect((await drive(theirs.accessToken)).status).toBe(200);
    const [event] = await sql.query<{ actor_id: string; details: string }>(
      "SELECT actor_id, details FROM audit_events WHERE event = 'user.disabled'",
    );
    expect(event.actor_id).toBe(ADMIN.id);
    expect(JSON.parse(event.details)).toMatchObject({ user_id: user.id, grants: 1 });
  });

  it('disable: a device code the user allowed before cannot be redeemed after', async () => {
    // Allowed and not disabled, the device gets its tokens.
    const control = await completeDeviceCode(await app.createUser(), { allow: true });
    expect(control.poll.status).toBe(200);
    const user = await app.createUser();
    const { poll } = await completeDeviceCode(user, {
      allow: true,
      before: async () => {
        await people.disable(user.id, ADMIN);
      },
    });
    expect(poll.status).toBe(400);
    expect(poll.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('enable: the user signs in again', async () => {
    const user = await app.createUser();
    await people.disable(user.id, ADMIN);
    await people.enable(user.email, ADMIN);
    expectPage(await signInAt(new UserAgent(app.issuer), user, '/account'), user.email);
    const tokens = await userApiTokens(app, user, 'drive.read');
    expect((await drive(tokens.accessToken)).status).toBe(200);
  });

  it('delete: every grant, token, session, personal token and file goes; the audit is pseudonymous', async () => {
    const user = await app.createUser();
    const tokens = await userApiTokens(app, user, 'drive.read drive.write');
    const pat = await personalToken(user);
    const file = await callApi(app, '/api/drive/files', {
      method: 'POST',
      token: pat,
      body: { name: 'notes.txt', content: 'hello' },
    });
    expect(file.status).toBe(201);

    await people.delete(user.id, ADMIN);

    expect(await drive(tokens.accessToken)).toEqual({
      status: 401,
      challenge: invalid(app.issuer),
    });
    expect(await drive(pat)).toEqual({ status: 401, challenge: invalid(app.issuer) });
    expect((await refresh(tokens)).status).toBe(400);
    const count = async (table: string, where: string, value: string) =>
      Number(
        (
          await sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where} = ?`, [
            value,
          ])
        )[0].n,
      );
    expect({
      users: await count('users', 'id', user.id),
      payloads: await count('oidc_payloads', 'account_id', user.id),
      personal: await count('personal_access_tokens', 'user_id', user.id),
      files: await count('drive_files', 'owner_id', user.id),
      auditById: await count('audit_events', 'actor_id', user.id),
      auditByEmail: await count('audit_events', 'actor_id', user.email),
    }).toEqual({ users: 0, payloads: 0, personal: 0, files: 0, auditById: 0, auditByEmail: 0 });
    // One random pseudonym for all their events: nothing derived from the id links it back.
    const [{ pseudonym }] = await sql.query<{ pseudonym: string }>(
      "SELECT DISTINCT actor_id AS pseudonym FROM audit_events WHERE actor_id LIKE 'deleted-user:%'",
    );
    expect(pseudonym).toMatch(/^deleted-user:[0-9a-f]{32}$/);
    expect(pseudonym).not.toContain(
      createHash('sha256').update(user.id).digest('hex').slice(0, 32),
    );
    const kept = await sql.query<{ event: string; details: string }>(
      'SELECT event, details FROM audit_events WHERE actor_id = ? ORDER BY at',
      [pseudonym],
    );
    expect(kept.map((e) => e.event)).toEqual(
      expect.arrayContaining(['user.sign_in', 'personal_token.created']),
    );
    const all = await sql.query<{ details: string }>('SELECT details FROM audit_events');
    expect(
      all.filter((e) => e.details.includes(user.id) || e.details.includes(user.email)),
    ).toEqual([]);
  });

  it('refuses to lock out the acting admin or the last admin; nothing changes', async () => {
    const admin = await app.createUser({ admin: true });
    const me = { id: admin.id };
    await expect(people.disable(admin.id, me)).rejects.toThrow('You cannot disable yourself');
    await expect(people.delete(admin.id, me)).rejects.toThrow('You cannot delete yourself');
    await expect(people.setAdmin(admin.id, false, me)).rejects.toThrow(
      'You cannot remove the admin role of yourself',
    );
    await expect(people.setAdmin(admin.id, false, ADMIN)).rejects.toThrow(
      'they are the last administrator',
    );
    await expect(people.delete(admin.id, ADMIN, { self: true })).rejects.toThrow(
      'they are the last administrator',
    );
    const stored = (await app.app.get(UsersService).findById(admin.id))!;
    expect([stored.isAdmin, stored.disabledAt]).toEqual([true, null]);
    await expect(people.disable('no-such-user', ADMIN)).rejects.toThrow(
      'no user with id no-such-user',
    );
  });
});
