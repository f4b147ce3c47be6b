import {
  afterEngine,
  ISSUER,
  SERVICE,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { ENGINE_TEXT } from './engine-text.js';
import { unauthenticatedIsInvalidClient } from './unauthenticated-is-invalid-client.js';

describe('unauthenticatedIsInvalidClient, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  beforeAll(async () => {
    under = await startEngine({ corrections: [afterEngine(unauthenticatedIsInvalidClient)] });
  });
  afterAll(() => under.close());

  const endpoints = [
    ['token', PROVIDER_ROUTES.token, { grant_type: 'client_credentials' }],
    ['introspection', PROVIDER_ROUTES.introspection, { token: 'anything' }],
    ['revocation', PROVIDER_ROUTES.revocation, { token: 'anything' }],
  ] as const;

  it.each(endpoints)(
    'the engine answers a %s request without client authentication 400 invalid_request, in the words it matches',
    async (_name, path, form) => {
      await under.request(path, { form });
      expect(under.lastAnswer()).toMatchObject({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: ENGINE_TEXT.noClientAuthentication,
        },
      });
    },
  );

  it.each(endpoints)(
    'the client gets 401 invalid_client with a Basic challenge at the %s endpoint',
    async (_name, path, form) => {
      const response = await under.request(path, { form });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication is required',
      });
      expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`);
    },
  );

  it('leaves the engine its own 401 for a wrong secret', async () => {
    const response = await under.request(PROVIDER_ROUTES.token, {
      basic: { id: SERVICE.id, secret: 'wrong' },
      form: { grant_type: 'client_credentials' },
    });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: 'invalid_client' });
    expect(under.lastAnswer()?.status).toBe(401);
  });
});
