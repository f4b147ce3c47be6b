import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { ExpiredRowsPurge } from '../../src/database/expired-rows.js';
import { Sql } from '../../src/database/sql.js';
import { PasskeyService } from '../../src/identity/passkeys/passkey.service.js';
import type { Engine } from '../../src/oauth/provider/engine.js';
import { OIDC_PROVIDER } from '../../src/oauth/provider/oidc-provider.token.js';
import { MailServer } from '../support/mail-server.js';
import {
  authorizationRequest,
  consent,
  discover,
  expectPage,
  signInAt,
} from '../support/oauth-client.js';
import { type AnswerOptions, SoftAuthenticator } from '../support/soft-authenticator.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

/**
 * Passkeys on the server side, with a software authenticator answering the real options:
 * adding one on /account/security (after the password), renaming and removing it (audited,
 * emailed), and signing in with it without a password through a real authorization — plus
 * every refusal: a challenge answered twice, too late or from another session, another
 * origin, no user verification, a counter that went back, a removed passkey.
 */
describe('passkeys', () => {
  let mail: MailServer;
  let app: TestApp;
  let sql: Sql;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({ SMTP_URL: mail.url });
    sql = new Sql(app.app.get(DataSource));
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  /** A user signed in on /account/security, with the page's CSRF token. */
  async function onSecurityPage(user: TestUser) {
    const ua = new UserAgent(app.issuer);
    const page = await signInAt(ua, user, '/account/security');
    expectPage(page, 'Passkeys');
    return { ua, page, csrf: hiddenField(page.body, '_csrf') };
  }

  async function json(response: Response): Promise<Record<string, unknown>> {
    return (await response.json()) as Record<string, unknown>;
  }

  function post(ua: UserAgent, path: string, fields: Record<string, string>) {
    return ua.raw(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Adds a passkey named `name` with `authenticator`, as the page's script does. */
  async function addPasskey(
    user: TestUser,
    authenticator: SoftAuthenticator,
    name = 'Work laptop',
  ): Promise<Visit> {
    const { ua, csrf } = await onSecurityPage(user);
    const response = await post(ua, '/account/security/passkeys/options', {
      _csrf: csrf,
      name,
      password: user.password,
    });
    expect(response.status).toBe(200);
    const { options } = (await json(response)) as {
      options: PublicKeyCredentialCreationOptionsJSON;
    };
    return ua.postForm('/account/security/passkeys', {
      _csrf: csrf,
      name,
      credential: JSON.stringify(authenticator.register(options)),
    });
  }

  /** Starts an authorization and asks its sign-in page for passkey options. */
  async function passkeySignInPage() {
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const request = await authorizationRequest(config, client);
    const ua = new UserAgent(app.issuer);
    const page = await ua.get(request.url.href);
    expectPage(page, 'Sign in with a passkey');
    const action = /action="(\/interaction\/[\w-]+\/passkey)"/.exec(page.body)![1];
    const csrf = hiddenField(page.body, '_csrf');
    const response = await post(ua, `${action}/options`, { _csrf: csrf });
    expect(response.status).toBe(200);
    const { options } = (await json(response)) as {
      options: PublicKeyCredentialRequestOptionsJSON;
    };
    const answer = (authenticator: SoftAuthenticator, bend: AnswerOptions = {}) =>
      ua.postForm(action, {
        _csrf: csrf,
        credential: JSON.stringify(authenticator.authenticate(options, bend)),
      });
    return { ua, page, options, answer, action, csrf, request, config, client };
  }

  /**
   * The `amr` the engine's login result gave the authorization (what its ID tokens carry once
   * `amr` is among the configured claims).
   */
  async function amrOfCode(callback: URL): Promise<unknown> {
    const engine = app.app.get<Engine>(OIDC_PROVIDER);
    const code = await engine.AuthorizationCode.find(callback.searchParams.get('code')!);
    return code?.amr;
  }

  const auditEvents = async (query: Parameters<AuditLog['list']>[0]) =>
    (await app.app.get(AuditLog).list(query)).events;

  const passkeysOf = (userId: string) =>
    sql.query<{ id: string; name: string; counter: number | string; last_used_at: unknown }>(
      'SELECT id, name, counter, last_used_at FROM passkeys WHERE user_id = ?',
      [userId],
    );

  it('adds a passkey after the password: options for a discoverable credential on the issuer, listed, audited and emailed', async () => {
    const user = await app.createUser({ name: 'Pat' });
    const { ua, page, csrf } = await onSecurityPage(user);
    expect(page.body).toContain('You have no passkeys.');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');

    const wrong = await post(ua, '/account/security/passkeys/options', {
      _csrf: csrf,
      name: 'Laptop',
      password: 'not the password',
    });
    expect(wrong.status).toBe(400);
    expect(await json(wrong)).toEqual({ error: 'Your current password is not correct.' });
    const unnamed = await post(ua, '/account/security/passkeys/options', {
      _csrf: csrf,
      name: '  ',
      password: user.password,
    });
    expect(unnamed.status).toBe(400);
    expect(await json(unnamed)).toEqual({
      error: 'Give the passkey a name, such as the device it is on.',
    });
    const noCsrf = await post(ua, '/account/security/passkeys/options', {
      name: 'Laptop',
      password: user.password,
    });
    expect(noCsrf.status).toBe(403);

    const response = await post(ua, '/account/security/passkeys/options', {
      _csrf: csrf,
      name: 'Laptop',
      password: user.password,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { options } = (await json(response)) as {
      options: PublicKeyCredentialCreationOptionsJSON;
    };
    expect(options.rp).toEqual({ name: 'Gatehouse', id: '127.0.0.1' });
    expect(options.user.name).toBe(user.email);
    expect(options.user.displayName).toBe('Pat');
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(user.id);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(options.attestation).toBe('none');

    const authenticator = new SoftAuthenticator(app.issuer);
    const added = await ua.postForm('/account/security/passkeys', {
      _csrf: csrf,
      name: '  Laptop  ',
      credential: JSON.stringify(authenticator.register(options)),
    });
    expectPage(added, 'Your passkey was added.');
    expect(added.url).toBe(`${app.issuer}/account/security?done=passkey-added`);
    expect(added.body).toContain('<h3>Laptop</h3>');
    expect(added.body).toMatch(/Last used never/);
    const [stored] = await passkeysOf(user.id);
    expect(stored).toMatchObject({ name: 'Laptop', last_used_at: null });

    const notice = await mail.waitFor(user.email, /passkey was added/);
    expect(notice.text).toContain('The passkey "Laptop" can now sign in to your account');
    const [event] = await auditEvents({ event: 'passkey.added', actorId: user.id, limit: 5 });
    expect(event).toMatchObject({
      outcome: 'success',
      actorId: user.id,
      details: { passkey: stored.id, name: 'Laptop', device_type: 'singleDevice' },
    });

    // The next options exclude it, so the same authenticator is not registered twice.
    const again = await post(ua, '/account/security/passkeys/options', {
      _csrf: csrf,
      name: 'Laptop again',
      password: user.password,
    });
    const next = (await json(again)).options as PublicKeyCredentialCreationOptionsJSON;
    expect(next.excludeCredentials).toEqual([
      {
        id: authenticator.credentials[0].id.toString('base64url'),
        type: 'public-key',
        transports: ['internal'],
      },
    ]);
  });

  it('refuses a registration answered twice, too late, from another session or for another site', async () => {
    const user = await app.createUser();
    const { ua, csrf } = await onSecurityPage(user);
    const options = async () =>
      (
        await json(
          await post(ua, '/account/security/passkeys/options', {
            _csrf: csrf,
            name: 'Phone',
            password: user.password,
          }),
        )
      ).options as PublicKeyCredentialCreationOptionsJSON;
    const submit = (agent: UserAgent, token: string, credential: unknown) =>
      agent.postForm('/account/security/passkeys', {
        _csrf: token,
        name: 'Phone',
        credential: JSON.stringify(credential),
      });
    const authenticator = new SoftAuthenticator(app.issuer);

    const wrongSite = await submit(
      ua,
      csrf,
      authenticator.register(await options(), { origin: 'https://evil.example' }),
    );
    expect(wrongSite.status).toBe(400);
    expect(wrongSite.body).toContain('This passkey answer was made for another site.');

    // The same user signed in in another browser cannot answer this session's challenge.
    const other = await onSecurityPage(user);
    const foreign = await submit(other.ua, other.csrf, authenticator.register(await options()));
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('This passkey request has expired or was already used.');

    const aged = await options();
    // Five minutes and a millisecond later, as far as the challenge knows.
    await sql.query('UPDATE passkey_challenges SET expires_at = expires_at - 300001');
    const late = await submit(ua, csrf, authenticator.register(aged));
    expect(late.status).toBe(400);
    expect(late.body).toContain('This passkey request has expired or was already used.');

    const fresh = await options();
    const answer = authenticator.register(fresh);
    expect((await submit(ua, csrf, answer)).status).toBe(200);
    const replay = await submit(ua, csrf, answer);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('This passkey request has expired or was already used.');
    expect(await passkeysOf(user.id)).toHaveLength(1);
  });

  it('signs in without a password through a real authorization: a code at the callback, amr in the login result', async () => {
    const user = await app.createUser();
    const authenticator = new SoftAuthenticator(app.issuer);
    expectPage(await addPasskey(user, authenticator), 'Your passkey was added.');

    const { page, options, answer, request, config, client, ua } = await passkeySignInPage();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/assets/passkey.js" defer></script>');
    expect(options.rpId).toBe('127.0.0.1');
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials).toEqual([]);

    const signedIn = await answer(authenticator);
    const callback = new URL((await consent(ua, signedIn)).location!);
    expect(callback.origin + callback.pathname).toBe(client.redirectUri);
    expect(await amrOfCode(callback)).toEqual(['hwk', 'mfa']);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.sub).toBe(user.id);

    const [stored] = await passkeysOf(user.id);
    expect(Number(stored.counter)).toBe(2);
    expect(stored.last_used_at).not.toBeNull();
    const [event] = await auditEvents({ event: 'user.sign_in', actorId: user.id, limit: 1 });
    expect(event.details).toMatchObject({
      method: 'passkey',
      passkey: stored.id,
      amr: ['hwk', 'mfa'],
    });
  });

  it('says swk for a synced passkey', async () => {
    const user = await app.createUser();
    const authenticator = new SoftAuthenticator(app.issuer, { synced: true, counts: false });
    await addPasskey(user, authenticator, 'Synced');
    const { answer, ua } = await passkeySignInPage();
    const callback = new URL((await consent(ua, await answer(authenticator))).location!);
    expect(await amrOfCode(callback)).toEqual(['swk', 'mfa']);
    // An authenticator without a counter (always 0) is not a regression.
    const again = await passkeySignInPage();
    expect((await again.answer(authenticator)).status).toBe(200);
  });

  it('refuses a sign-in answered twice, too late, on another sign-in page, for another site, without user verification, or with a counter that went back', async () => {
    const user = await app.createUser();
    const authenticator = new SoftAuthenticator(app.issuer);
    await addPasskey(user, authenticator);
    const refused = (visit: Visit, message: string) => {
      expect(visit.status).toBe(400);
      expectPageStatus(visit, 'Sign in');
      expect(visit.body).toContain(message);
    };

    const wrongSite = await passkeySignInPage();
    refused(
      await wrongSite.answer(authenticator, { origin: 'http://localhost:1' }),
      'This passkey answer was made for another site.',
    );

    const noUv = await passkeySignInPage();
    refused(
      await noUv.answer(authenticator, { userVerified: false }),
      'Your passkey did not verify you (with a PIN or biometrics)',
    );

    const late = await passkeySignInPage();
    await sql.query('UPDATE passkey_challenges SET expires_at = expires_at - 300001');
    refused(
      await late.answer(authenticator),
      'This passkey request has expired or was already used.',
    );

    // Options of one sign-in page answered on another (same browser): its own challenge differs.
    const first = await passkeySignInPage();
    const response = authenticator.authenticate(first.options);
    const second = await passkeySignInPage();
    const crossed = await second.ua.postForm(second.action, {
      _csrf: second.csrf,
      credential: JSON.stringify(response),
    });
    refused(crossed, 'This passkey request has expired or was already used.');

    const counter = Number((await passkeysOf(user.id))[0].counter);
    const cloned = await passkeySignInPage();
    refused(
      await cloned.answer(authenticator, { counter: counter - 1 }),
      'signature counter went backwards, which happens when an authenticator is cloned',
    );
    expect(Number((await passkeysOf(user.id))[0].counter)).toBe(counter);
    authenticator.credentials[0].counter = counter; // the real authenticator again

    const once = await passkeySignInPage();
    const credential = JSON.stringify(authenticator.authenticate(once.options));
    const ok = await once.ua.postForm(once.action, { _csrf: once.csrf, credential });
    expect(ok.body).toContain('wants to access your account');
    const replay = await passkeySignInPage();
    // The replayed answer is posted against a fresh challenge of a new page: refused.
    refused(
      await replay.ua.postForm(replay.action, { _csrf: replay.csrf, credential }),
      'This passkey request has expired or was already used.',
    );

    const garbage = await passkeySignInPage();
    refused(
      await garbage.ua.postForm(garbage.action, { _csrf: garbage.csrf, credential: '{"id":1}' }),
      'The browser sent no usable passkey answer.',
    );
    const failures = await auditEvents({ event: 'user.sign_in', outcome: 'failure', limit: 50 });
    expect(failures.filter((e) => e.details.method === 'passkey').length).toBeGreaterThanOrEqual(7);
  });

  it('renames and removes a passkey (audited, removal emailed); a removed passkey signs no one in', async () => {
    const user = await app.createUser();
    const authenticator = new SoftAuthenticator(app.issuer);
    await addPasskey(user, authenticator, 'Old name');
    await mail.waitFor(user.email, /passkey was added/);
    const { ua, csrf } = await onSecurityPage(user);
    const [{ id }] = await passkeysOf(user.id);

    const blank = await ua.postForm(`/account/security/passkeys/${id}/rename`, {
      _csrf: csrf,
      name: '',
    });
    expect(blank.status).toBe(400);
    expect(blank.body).toContain('Give the passkey a name');
    const renamed = await ua.postForm(`/account/security/passkeys/${id}/rename`, {
      _csrf: csrf,
      name: 'Desk key',
    });
    expectPage(renamed, 'Your passkey was renamed.');
    expect(renamed.body).toContain('<h3>Desk key</h3>');

    // Another user cannot touch it.
    const stranger = await onSecurityPage(await app.createUser());
    const foreign = await stranger.ua.postForm(`/account/security/passkeys/${id}/remove`, {
      _csrf: stranger.csrf,
    });
    expect(foreign.status).toBe(404);
    expect(await passkeysOf(user.id)).toHaveLength(1);

    const signIn = await passkeySignInPage();
    const removed = await ua.postForm(`/account/security/passkeys/${id}/remove`, { _csrf: csrf });
    expectPage(removed, 'Your passkey was removed');
    expect(removed.body).toContain('You have no passkeys.');
    expect(await passkeysOf(user.id)).toEqual([]);
    const notice = await mail.waitFor(user.email, /passkey was removed/);
    expect(notice.text).toContain('The passkey "Desk key" can no longer sign in');
    expect(
      await auditEvents({ event: 'passkey.renamed', actorId: user.id, limit: 5 }),
    ).toHaveLength(1);
    expect(
      (await auditEvents({ event: 'passkey.removed', actorId: user.id, limit: 5 }))[0].details,
    ).toMatchObject({ passkey: id, name: 'Desk key' });

    const refused = await signIn.answer(authenticator);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(
      'This passkey is not registered with Gatehouse (it may have been removed).',
    );
  });

  it('serves as the second factor of a known user (for the second step after the password)', async () => {
    const user = await app.createUser();
    const other = await app.createUser();
    const authenticator = new SoftAuthenticator(app.issuer);
    const foreign = new SoftAuthenticator(app.issuer);
    await addPasskey(user, authenticator);
    await addPasskey(other, foreign);
    const passkeys = app.app.get(PasskeyService);
    const binding = 'interaction:second-step-test';

    const options = await passkeys.authenticationOptions(binding, { userId: user.id });
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([
      authenticator.credentials[0].id.toString('base64url'),
    ]);
    // Presence is enough after a password: no user verification needed, no mfa claimed here.
    const verified = await passkeys.authenticate(
      binding,
      authenticator.authenticate(options, { userVerified: false }),
      { userId: user.id },
    );
    expect(verified.user.id).toBe(user.id);
    expect(verified.userVerified).toBe(false);
    expect(verified.amr).toEqual(['hwk']);

    // Another account's passkey is no second factor for this one.
    const again = await passkeys.authenticationOptions(binding, { userId: user.id });
    await expect(
      passkeys.authenticate(binding, foreign.authenticate({ ...again, allowCredentials: [] }), {
        userId: user.id,
      }),
    ).rejects.toThrow('This passkey is not registered with Gatehouse');
    // A passwordless challenge does not verify a second factor, nor the reverse.
    const passwordless = await passkeys.authenticationOptions(binding);
    await expect(
      passkeys.authenticate(binding, authenticator.authenticate(passwordless), { userId: user.id }),
    ).rejects.toThrow('This passkey request has expired or was already used.');
    await expect(
      passkeys.authenticationOptions(binding, { userId: 'no-such-user' }),
    ).rejects.toThrow('This account has no passkey.');
  });

  it('tokens:purge deletes challenges nobody answered in time', async () => {
    await passkeySignInPage();
    const count = async () =>
      Number(
        (await sql.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM passkey_challenges'))[0]
          .n,
      );
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await app.app.get(ExpiredRowsPurge).purgeExpired(Date.now() + 300_001);
    expect(await count()).toBe(0);
  });

  it('leaves the sign-in page working without JavaScript: the passkey button is hidden markup', async () => {
    const { page } = await passkeySignInPage();
    expect(page.body).toMatch(/<div class="passkey-sign-in" data-passkey hidden>/);
    expect(page.body).toContain('<button type="submit">Sign in</button>');
    const script = await fetch(app.url('/assets/passkey.js'));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bundle = await fetch(app.url('/assets/simplewebauthn-browser.js'));
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain('SimpleWebAuthnBrowser');
  });
});

function expectPageStatus(visit: Visit, text: string): void {
  if (!visit.body.includes(text)) {
    throw new Error(
      `expected a page with "${text}", got ${visit.status}\n${visit.body.slice(0, 1500)}`,
    );
  }
}
