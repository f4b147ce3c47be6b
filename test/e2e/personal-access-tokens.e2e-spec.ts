import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { Sql } from '../../src/database/sql.js';
import { apiMetadata, callApi } from '../support/api.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

/** Signs in at /account/tokens; returns the page. */
const tokensPage = (ua: UserAgent, user: TestUser) => signInAt(ua, user, '/account/tokens');

function create(
  ua: UserAgent,
  page: Visit,
  fields: { name: string; scopes: string[]; days: string },
) {
  const body = new URLSearchParams({
    _csrf: hiddenField(page.body, '_csrf'),
    name: fields.name,
    days: fields.days,
  });
  fields.scopes.forEach((scope) => body.append('scope', scope));
  return ua.postForm('/account/tokens', body);
}

const shown = (page: Visit) =>
  /<input id="new-token" type="text" readonly value="([^"]+)">/.exec(page.body)?.[1];

describe('Personal access tokens (/account/tokens)', () => {
  const setup = useTestApp();

  it('creates a named, scoped, expiring token shown once; the API accepts it for its scopes', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const page = await tokensPage(ua, user);
    expectPage(page, 'Personal access tokens');
    expect(page.body).toContain('You have no personal access tokens.');
    // A user who is no admin is not offered the admin scope.
    expect(page.body).not.toContain('value="admin"');

    const before = Date.now();
    const created = await create(ua, page, {
      name: 'backup script',
      scopes: ['drive.read'],
      days: '30',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const token = shown(created)!;
    expect(token).toMatch(/^gat_[\w-]{43}$/);
    expect(created.body).toContain(`<code>${token.slice(0, 8)}…</code>`);

    // Stored only as a hash.
    const [row] = await new Sql(app.app.get(DataSource)).query<Record<string, unknown>>(
      'SELECT * FROM personal_access_tokens WHERE user_id = ?',
      [user.id],
    );
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(Number(row.expires_at)).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(Number(row.expires_at)).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);

    const list = await callApi(app, '/api/drive/files', { token });
    expect(list.status).toBe(200);
    const write = await callApi(app, '/api/drive/files', {
      method: 'POST',
      token,
      body: { name: 'a', content: 'b' },
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain(
      'error="insufficient_scope", error_description="The access token lacks a scope this operation requires", scope="drive.write"',
    );

    const again = await ua.get('/account/tokens');
    expect(shown(again)).toBeUndefined();
    expect(again.body).not.toContain(token);
    expect(again.body).toContain('backup script');
    expect(again.body).not.toMatch(/<td>never<\/td>/);
  });

  it('revoking a token makes the API refuse it on the next request', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const token = shown(
      await create(ua, await tokensPage(ua, user), {
        name: 'temp',
        scopes: ['drive.read'],
        days: '7',
      }),
    )!;
    expect((await callApi(app, '/api/drive/files', { token })).status).toBe(200);

    const page = await ua.get('/account/tokens');
    const action = /<form method="post" action="(\/account\/tokens\/[^"]+\/revoke)"/.exec(
      page.body,
    )![1];
    const revoked = await ua.postForm(action, { _csrf: hiddenField(page.body, '_csrf') });
    expect(revoked.body).toContain('The token was revoked; it no longer works.');
    const refused = await callApi(app, '/api/drive/files', { token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${apiMetadata(app.issuer)}"`,
    );
    // Someone else's (or a made-up) token id: 404, nothing happens.
    expect((await ua.postForm(action, { _csrf: hiddenField(page.body, '_csrf') })).status).toBe(
      404,
    );
  });

  it('an expired token is refused as expired', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const token = shown(
      await create(ua, await tokensPage(ua, user), {
        name: 'old',
        scopes: ['drive.read'],
        days: '7',
      }),
    )!;
    await new Sql(app.app.get(DataSource)).query(
      'UPDATE personal_access_tokens SET expires_at = ? WHERE name = ?',
      [Date.now() - 1, 'old'],
    );
    const refused = await callApi(app, '/api/drive/files', { token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain(
      'error_description="The access token expired"',
    );
  });

  it.each([
    [{ name: 'x', scopes: [], days: '30' }, 'Choose at least one scope.'],
    [
      { name: '', scopes: ['drive.read'], days: '30' },
      'Give the token a name of 1 to 100 characters.',
    ],
    [{ name: 'x', scopes: ['admin'], days: '30' }, 'admin is not a scope you can give a token.'],
    [{ name: 'x', scopes: ['openid'], days: '30' }, 'openid is not a scope you can give a token.'],
    [
      { name: 'x', scopes: ['drive.read'], days: '1000' },
      'Choose how long it lasts: 7, 30, 90, 365 days.',
    ],
  ])('refuses %j and says why, creating nothing', async (fields, reason) => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const page = await tokensPage(ua, user);
    const count = (page.body.match(/aria-label="Revoke token /g) ?? []).length;
    const refused = await create(ua, page, fields);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(reason);
    expect(shown(refused)).toBeUndefined();
    expect((refused.body.match(/aria-label="Revoke token /g) ?? []).length).toBe(count);
  });

  it('refuses a form posted without its CSRF token', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    await tokensPage(ua, user);
    const refused = await ua.postForm('/account/tokens', {
      name: 'x',
      scope: 'drive.read',
      days: '30',
    });
    expect(refused.status).toBe(403);
  });

  it('an administrator can make an admin token for the management API; the audit trail names no token', async () => {
    const { app } = setup;
    const admin = await app.createUser({ admin: true });
    const ua = new UserAgent(app.issuer);
    const page = await tokensPage(ua, admin);
    expect(page.body).toContain('value="admin"');
    const token = shown(await create(ua, page, { name: 'ops', scopes: ['admin'], days: '7' }))!;
    expect((await callApi(app, '/api/admin/apps', { token })).status).toBe(200);

    const events = await app.app.get(AuditLog).list({ limit: 50, actorId: admin.id });
    expect(events.events.map((e) => e.event)).toContain('personal_token.created');
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
