import {
  SPA,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { corsPolicy } from './cors-for-browser-apps.js';

const ELSEWHERE = 'https://elsewhere.example';

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST' },
});

const corsHeaders = (headers: Headers) =>
  [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('corsPolicy, on the installed oidc-provider', () => {
  let bare: EngineUnderTest;
  let corrected: EngineUnderTest;
  beforeAll(async () => {
    bare = await startEngine();
    corrected = await startEngine({
      corrections: [corsPolicy(() => Promise.resolve(new Set([SPA.origin])))],
    });
  });
  afterAll(async () => {
    await bare.close();
    await corrected.close();
  });

  it.each([PROVIDER_ROUTES.token, PROVIDER_ROUTES.introspection])(
    'the engine grants a preflight to %s from any origin, echoing it',
    async (path) => {
      const response = await bare.request(path, preflight(ELSEWHERE));
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ELSEWHERE);
    },
  );

  it('refuses a preflight from an origin no browser app is registered on, without CORS headers', async () => {
    const response = await corrected.request(PROVIDER_ROUTES.token, preflight(ELSEWHERE));
    expect(response.status).toBe(403);
    expect(corsHeaders(response.headers)).toEqual([]);
  });

  it("grants a registered browser app's origin the engine's preflight", async () => {
    const response = await corrected.request(PROVIDER_ROUTES.token, preflight(SPA.origin));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA.origin);
  });

  it('refuses every cross-origin preflight to introspection', async () => {
    const response = await corrected.request(PROVIDER_ROUTES.introspection, preflight(SPA.origin));
    expect(response.status).toBe(403);
    expect(corsHeaders(response.headers)).toEqual([]);
  });

  it('the engine echoes any origin on an error before it knows the client; the correction takes it off', async () => {
    const request = {
      headers: { origin: ELSEWHERE },
      form: { grant_type: 'client_credentials' },
    };
    const engine = await bare.request(PROVIDER_ROUTES.token, request);
    expect(engine.status).toBe(400);
    expect(engine.headers.get('access-control-allow-origin')).toBe(ELSEWHERE);
    const response = await corrected.request(PROVIDER_ROUTES.token, request);
    expect(response.status).toBe(400);
    expect(response.json).toEqual(engine.json);
    expect(corsHeaders(response.headers)).toEqual([]);
  });

  it.each([PROVIDER_ROUTES.token, PROVIDER_ROUTES.revocation, PROVIDER_ROUTES.introspection])(
    'the engine answers * to a request to %s with no Origin; the correction sends no CORS header',
    async (path) => {
      const request = { form: { token: 'unknown', grant_type: 'client_credentials' } };
      const engine = await bare.request(path, request);
      expect(engine.headers.get('access-control-allow-origin')).toBe('*');
      const response = await corrected.request(path, request);
      expect(response.status).toBe(engine.status);
      expect(response.json).toEqual(engine.json);
      expect(corsHeaders(response.headers)).toEqual([]);
    },
  );

  it("leaves a registered browser app's own requests the engine's CORS headers", async () => {
    const response = await corrected.request(PROVIDER_ROUTES.token, {
      headers: { origin: SPA.origin },
      form: { grant_type: 'refresh_token', refresh_token: 'unknown', client_id: SPA.id },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA.origin);
  });
});
