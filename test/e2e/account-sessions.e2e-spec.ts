import { DataSource } from 'typeorm';
import { ExpiredRowsPurge } from '../../src/database/expired-rows.js';
import { Sql } from '../../src/database/sql.js';
import { UserLifecycle } from '../../src/people/user-lifecycle.service.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** /account/sessions: each sign-in session with its browser, address and times; sign-outs. */
describe('Account: sessions (/account/sessions)', () => {
  let app: TestApp;
  let sql: Sql;

  beforeAll(async () => {
    app = await TestApp.start();
    sql = new Sql(app.app.get(DataSource));
  });

  afterAll(async () => {
    await app.close();
  });

  const activity = (accountId: string) =>
    sql.query<{ user_agent: string; ip: string; started_at: number; last_seen_at: number }>(
      'SELECT user_agent, ip, started_at, last_seen_at FROM session_activity WHERE account_id = ?',
      [accountId],
    );
  /** A browser signed in to /account/sessions; `activity` is recorded after the answer. */
  async function browser(user: TestUser, userAgent: string) {
    const ua = new UserAgent(app.issuer, userAgent);
    await signInAt(ua, user, '/account');
    await new Promise((resolve) => setTimeout(resolve, 50));
    return ua;
  }
  const signedIn = async (ua: UserAgent) => (await ua.raw('/account')).status === 200;

  it('lists each session with browser, address, started and last seen; this one first', async () => {
    const user = await app.createUser();
    await browser(user, FIREFOX);
    const chrome = await browser(user, CHROME);
    const page = await chrome.get('/account/sessions');
    expectPage(page, 'Sessions');
    const rows = page.body.split('<tr>').slice(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('Chrome on macOS <strong>(this browser)</strong>');
    expect(rows[1]).toContain('Firefox on Linux');
    expect(rows[1]).toContain('127.0.0.1');
    expect(rows[1]).toMatch(/<time datetime="[^"]+">[^<]+UTC<\/time>/);
    const stored = await activity(user.id);
    expect(stored.map((r) => r.user_agent).sort()).toEqual([CHROME, FIREFOX].sort());
  });

  it('signs out one other session, then all others; this one stays', async () => {
    const user = await app.createUser();
    const [first, second] = [await browser(user, FIREFOX), await browser(user, FIREFOX)];
    const me = await browser(user, CHROME);
    let page = await me.get('/account/sessions');
    const csrf = hiddenField(page.body, '_csrf');
    const keys = [...page.body.matchAll(/action="\/account\/sessions\/([\w-]+)\/sign-out"/g)].map(
      (m) => m[1],
    );
    expect(keys).toHaveLength(2);
    page = await me.postForm(`/account/sessions/${keys[0]}/sign-out`, { _csrf: csrf });
    expectPage(page, 'That session was signed out.');
    expect([await signedIn(first), await signedIn(second)].sort()).toEqual([false, true]);
    expect(await activity(user.id)).toHaveLength(2);

    // Unknown or someone else's key: 404; no CSRF token: 403; nothing ends.
    const other = await app.createUser();
    const theirs = await browser(other, CHROME);
    const theirKey = /action="\/account\/sessions\/([\w-]+)\/sign-out"/.exec(
      (await theirs.get('/account/sessions')).body,
    );
    expect(theirKey).toBeNull(); // their only session is their own: no button
    expect(
      (await me.postForm('/account/sessions/not-a-session/sign-out', { _csrf: csrf })).status,
    ).toBe(404);
    expect((await me.postForm('/account/sessions/sign-out-others', {})).status).toBe(403);
    expect(await activity(user.id)).toHaveLength(2);

    page = await me.postForm('/account/sessions/sign-out-others', { _csrf: csrf });
    expectPage(page, 'Your other sessions were signed out.');
    expect([await signedIn(first), await signedIn(second), await signedIn(me)]).toEqual([
      false,
      false,
      true,
    ]);
    expect(await activity(user.id)).toHaveLength(1);
    expect(await signedIn(theirs)).toBe(true);
  });

  it('activity goes with the sessions when the user is disabled, and when stale (purge)', async () => {
    const user = await app.createUser();
    await browser(user, FIREFOX);
    expect(await activity(user.id)).toHaveLength(1);
    await app.app.get(UserLifecycle).disable(user.id, { id: 'test' });
    expect(await activity(user.id)).toEqual([]);

    const stale = await app.createUser();
    await browser(stale, FIREFOX);
    await sql.query('UPDATE session_activity SET last_seen_at = 0 WHERE account_id = ?', [
      stale.id,
    ]);
    await app.app.get(ExpiredRowsPurge).purgeExpired();
    expect(await activity(stale.id)).toEqual([]);
  });
});
