import { startEngine, type EngineUnderTest } from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { pinToIssuer } from './pin-to-issuer.js';

const ISSUER = new URL('https://id.example');
const DISCOVERY = '/.well-known/openid-configuration';
const FORGED = { 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'http' };

describe('pinToIssuer, on the installed oidc-provider', () => {
  let bare: EngineUnderTest;
  let pinned: EngineUnderTest;
  /** The client address the engine saw last. */
  let ip: string | undefined;
  beforeAll(async () => {
    const seeIp = async (ctx: { ip: string }, next: () => Promise<void>) => {
      ip = ctx.ip;
      await next();
    };
    bare = await startEngine({ issuer: ISSUER.origin, corrections: [seeIp] });
    pinned = await startEngine({
      issuer: ISSUER.origin,
      corrections: [seeIp],
      beforeEngine: (req) => pinToIssuer(req, ISSUER, '203.0.113.7'),
    });
    // As provider.factory.ts has it: the forwarded headers are Gatehouse's own.
    bare.engine.proxy = true;
    pinned.engine.proxy = true;
  });
  afterAll(async () => {
    await bare.close();
    await pinned.close();
  });

  const tokenEndpoint = async (under: EngineUnderTest, headers: Record<string, string> = {}) =>
    ((await under.request(DISCOVERY, { headers })).json as { token_endpoint: string })
      .token_endpoint;

  it('the engine builds its endpoints from the request, not from its issuer', async () => {
    expect(await tokenEndpoint(bare)).toBe(`${bare.url}${PROVIDER_ROUTES.token}`);
    expect(await tokenEndpoint(bare, FORGED)).toBe(
      `http://attacker.example${PROVIDER_ROUTES.token}`,
    );
  });

  it('pinned, they are the issuer’s whatever the request says', async () => {
    expect(await tokenEndpoint(pinned)).toBe(`${ISSUER.origin}${PROVIDER_ROUTES.token}`);
    expect(await tokenEndpoint(pinned, FORGED)).toBe(`${ISSUER.origin}${PROVIDER_ROUTES.token}`);
  });

  it("the engine sees the client address Gatehouse determined, not the request's X-Forwarded-For", async () => {
    await bare.request(DISCOVERY, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(ip).toBe('198.51.100.1');
    await pinned.request(DISCOVERY, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(ip).toBe('203.0.113.7');
  });

  it("an https issuer's cookies are Secure, behind a TLS-terminating proxy too", async () => {
    const response = await pinned.request(PROVIDER_ROUTES.code_verification);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; secure/i);
    }
  });
});
