import {
  A_JWT,
  afterEngine,
  RESOURCE_SERVER,
  SERVICE,
  serviceAccessToken,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { introspectionForResourceServersOnly } from './introspection-for-resource-servers.js';

describe('introspectionForResourceServersOnly, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  let token: string;
  beforeAll(async () => {
    under = await startEngine({
      corrections: [
        afterEngine((ctx) => {
          if (ctx.oidc?.route === 'introspection') {
            introspectionForResourceServersOnly(ctx);
          }
        }),
      ],
    });
    token = await serviceAccessToken(under);
  });
  afterAll(() => under.close());

  const introspect = (client: { id: string; secret: string }, value: string) =>
    under.request(PROVIDER_ROUTES.introspection, { basic: client, form: { token: value } });

  it('the engine answers an authenticated client 200 for an opaque token; others get 403', async () => {
    const response = await introspect(SERVICE, token);
    expect(under.lastAnswer()).toMatchObject({ status: 200, body: { active: true } });
    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      error: 'access_denied',
      error_description: 'only resource servers may introspect tokens',
    });
  });

  it('the engine refuses a JWT unsupported_token_type once it knows the client; others get 403', async () => {
    const response = await introspect(SERVICE, A_JWT);
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: { error: 'unsupported_token_type' },
    });
    expect(response.status).toBe(403);
  });

  it('the engine authenticates the client before either answer: a wrong secret is its 401', async () => {
    for (const value of [token, A_JWT]) {
      const response = await introspect({ id: RESOURCE_SERVER.id, secret: 'wrong' }, value);
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('a resource server gets the engine’s answer', async () => {
    const response = await introspect(RESOURCE_SERVER, token);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(under.lastAnswer()?.body);
  });
});
