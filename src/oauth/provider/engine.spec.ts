import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, type JWK } from 'jose';
import type { AddressInfo } from 'node:net';
import {
  cookiesOf,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../test/support/engine-under-test.js';
import {
  basePolicy,
  currentRoute,
  invalidGrant,
  invalidScope,
  invalidTarget,
  removeGrantedScope,
  replaceSigningKeys,
  signedInAccountId,
} from './engine.js';
import { PROVIDER_ROUTES } from './routes.js';

/** The small functions engine.ts reaches the installed oidc-provider through. */
describe('engine.ts, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** What currentRoute() said inside the adapter calls that looked up a user code. */
  const routes: (string | undefined)[] = [];

  beforeAll(async () => {
    under = await startEngine({
      configuration: {
        cookies: { keys: ['engine-spec'], long: { signed: false } },
        claims: { openid: ['sub'], profile: ['name'] },
      },
    });
    const adapter = under.engine.DeviceCode.adapter;
    const findByUserCode = adapter.findByUserCode.bind(adapter);
    adapter.findByUserCode = (userCode) => {
      routes.push(currentRoute());
      return findByUserCode(userCode);
    };
  });
  afterAll(() => under.close());

  it('currentRoute() is undefined outside of a request', () => {
    expect(currentRoute()).toBeUndefined();
  });

  it('currentRoute() names the route inside the adapter calls of a request', async () => {
    const page = await under.request(PROVIDER_ROUTES.code_verification);
    const xsrf = /name="xsrf" value="([^"]*)"/.exec(page.text)?.[1];
    expect(xsrf).toBeDefined();
    await under.request(PROVIDER_ROUTES.code_verification, {
      headers: { cookie: cookiesOf(page) },
      form: { user_code: 'BCDF-GHJK', xsrf: xsrf! },
    });
    expect(routes).toEqual(['code_verification']);
  });

  it('the routes the adapter allows row references on (provider.factory.ts) are the engine’s', () => {
    expect(under.engine.pathFor('code_verification')).toBe(PROVIDER_ROUTES.code_verification);
    // Where the device flow resumes after sign-in and consent.
    expect(under.engine.pathFor('device_resume', { uid: 'some-uid' })).toBe(
      `${PROVIDER_ROUTES.code_verification}/some-uid`,
    );
  });

  it('signedInAccountId() reads the account of the session cookie', async () => {
    // The typings have neither the constructor's payload nor save's ttl.
    const Session = under.engine.Session as unknown as new (payload: object) => {
      save(ttl: number): Promise<string>;
    };
    await new Session({ jti: 'session-1', accountId: 'user-1' }).save(60);
    let server: Server | undefined;
    try {
      server = createServer((req, res) => {
        void signedInAccountId(under.engine, req, res).then((id) => res.end(id ?? '-'));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const signedIn = await fetch(url, { headers: { cookie: '_session=session-1' } });
      expect(await signedIn.text()).toBe('user-1');
      const unknown = await fetch(url, { headers: { cookie: '_session=nobody' } });
      expect(await unknown.text()).toBe('-');
      expect(await (await fetch(url)).text()).toBe('-');
    } finally {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  it('the errors are the engine’s, with their OAuth codes', () => {
    expect(invalidGrant('detail')).toMatchObject({
      status: 400,
      error: 'invalid_grant',
      error_detail: 'detail',
    });
    expect(invalidTarget()).toMatchObject({ status: 400, error: 'invalid_target' });
    expect(invalidScope('requested scope is not allowed', 'admin')).toMatchObject({
      status: 400,
      error: 'invalid_scope',
      error_description: 'requested scope is not allowed',
      scope: 'admin',
    });
  });

  it('removeGrantedScope(): the next refresh yields tokens without the scope', async () => {
    const grant = new under.engine.Grant({ accountId: 'user-1', clientId: WEB.id });
    grant.addOIDCScope('openid profile');
    grant.addResourceScope('https://api.example', 'drive.read drive.write');
    const grantId = await grant.save();
    const refreshToken = await new under.engine.RefreshToken({
      client: (await under.engine.Client.find(WEB.id))!,
      accountId: 'user-1',
      grantId,
      gty: 'authorization_code',
      scope: 'openid profile',
    }).save();
    const refresh = async () =>
      (
        await under.request(PROVIDER_ROUTES.token, {
          basic: WEB,
          form: { grant_type: 'refresh_token', refresh_token: refreshToken },
        })
      ).json as { scope?: string };
    expect((await refresh()).scope).toBe('openid profile');

    const stored = (await under.engine.Grant.find(grantId))!;
    removeGrantedScope(stored, 'profile');
    removeGrantedScope(stored, 'drive.write', 'https://api.example');
    await stored.save();

    expect((await refresh()).scope).toBe('openid');
    const after = (await under.engine.Grant.find(grantId))!;
    expect(after.openid?.scope).toBe('openid');
    expect(after.resources?.['https://api.example']).toBe('drive.read');
    // Removed, not rejected: asking again is a new question.
    expect(after.rejected).toBeUndefined();
  });

  it('basePolicy() is a fresh copy of the login and consent prompts each time', () => {
    const policy = basePolicy();
    expect(policy.map((prompt) => prompt.name)).toEqual(['login', 'consent']);
    policy.remove('consent');
    expect(basePolicy().map((prompt) => prompt.name)).toEqual(['login', 'consent']);
  });

  it('replaceSigningKeys(): the JWKS changes from the next request on', async () => {
    const fresh = await startEngine();
    try {
      const before = (await fresh.request(PROVIDER_ROUTES.jwks)).json as { keys: JWK[] };
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const key = { ...(await exportJWK(privateKey)), kid: 'rotated-ec', alg: 'ES256', use: 'sig' };
      replaceSigningKeys(fresh.engine, [key]);
      const after = (await fresh.request(PROVIDER_ROUTES.jwks)).json as { keys: JWK[] };
      expect(before.keys.map((k) => k.kid)).not.toContain('rotated-ec');
      expect(after.keys.map((k) => k.kid)).toEqual(['rotated-ec']);
      expect(after.keys[0]).not.toHaveProperty('d');
    } finally {
      await fresh.close();
    }
  });
});
