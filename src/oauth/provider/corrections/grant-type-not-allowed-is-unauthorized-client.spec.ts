import {
  afterEngine,
  SERVICE,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { ENGINE_TEXT } from './engine-text.js';
import { grantTypeNotAllowedIsUnauthorizedClient } from './grant-type-not-allowed-is-unauthorized-client.js';

describe('grantTypeNotAllowedIsUnauthorizedClient, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  beforeAll(async () => {
    under = await startEngine({
      corrections: [afterEngine(grantTypeNotAllowedIsUnauthorizedClient)],
    });
  });
  afterAll(() => under.close());

  it('the token endpoint: the engine says invalid_request, the client gets unauthorized_client', async () => {
    // The service client is registered for client_credentials only.
    const response = await under.request(PROVIDER_ROUTES.token, {
      basic: SERVICE,
      form: { grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://x.example' },
    });
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: ENGINE_TEXT.grantTypeNotAllowed },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: 'unauthorized_client',
      error_description: ENGINE_TEXT.grantTypeNotAllowed,
    });
  });

  it('the device authorization endpoint: the same for the device grant', async () => {
    const response = await under.request(PROVIDER_ROUTES.device_authorization, {
      basic: WEB,
      form: { scope: 'openid' },
    });
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: ENGINE_TEXT.deviceGrantNotAllowed },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: 'unauthorized_client',
      error_description: ENGINE_TEXT.deviceGrantNotAllowed,
    });
  });

  it('leaves other invalid_request answers alone', async () => {
    const response = await under.request(PROVIDER_ROUTES.token, {
      basic: SERVICE,
      form: { scope: 'openid' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(under.lastAnswer()?.body);
    expect(response.json).toMatchObject({ error: 'invalid_request' });
  });
});
