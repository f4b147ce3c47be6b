import {
  afterEngine,
  DEVICE,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { announcePollingInterval } from './device-polling-interval.js';

describe('announcePollingInterval, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  beforeAll(async () => {
    under = await startEngine({
      corrections: [afterEngine((ctx) => ctx.oidc && announcePollingInterval(ctx, 7))],
    });
  });
  afterAll(() => under.close());

  it('the engine names no interval in its device authorization response; the device is told it', async () => {
    const response = await under.request(PROVIDER_ROUTES.device_authorization, {
      form: { client_id: DEVICE.id, scope: 'openid' },
    });
    const engine = under.lastAnswer();
    expect(engine?.status).toBe(200);
    expect(engine?.body).toEqual({
      device_code: expect.any(String) as unknown,
      user_code: expect.any(String) as unknown,
      verification_uri: expect.any(String) as unknown,
      verification_uri_complete: expect.any(String) as unknown,
      expires_in: expect.any(Number) as unknown,
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ ...(engine?.body as object), interval: 7 });
  });

  it('leaves its errors alone', async () => {
    const response = await under.request(PROVIDER_ROUTES.device_authorization, {
      form: { client_id: 'nobody', scope: 'openid' },
    });
    expect(response.status).toBe(401);
    expect(response.json).not.toHaveProperty('interval');
  });
});
