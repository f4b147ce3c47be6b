import {
  afterEngine,
  DEVICE,
  DEVICE_CODE_GRANT,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { slowDown } from './slow-down.js';

describe('slowDown, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** What DevicePolling would say of the next poll: its grown interval when it came too soon. */
  let tooSoon: number | undefined;
  beforeAll(async () => {
    under = await startEngine({
      corrections: [
        afterEngine((ctx) => {
          if (ctx.oidc?.route === 'token') {
            slowDown(ctx, tooSoon);
          }
        }),
      ],
    });
  });
  afterAll(() => under.close());

  async function deviceCode(): Promise<string> {
    const response = await under.request(PROVIDER_ROUTES.device_authorization, {
      form: { client_id: DEVICE.id, scope: 'openid' },
    });
    return (response.json as { device_code: string }).device_code;
  }

  const poll = (code: string) =>
    under.request(PROVIDER_ROUTES.token, {
      form: { client_id: DEVICE.id, grant_type: DEVICE_CODE_GRANT, device_code: code },
    });

  it('the engine answers every poll of a pending code authorization_pending, however soon', async () => {
    tooSoon = undefined;
    const code = await deviceCode();
    for (let i = 0; i < 3; i++) {
      const response = await poll(code);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: 'authorization_pending' });
    }
  });

  it('a poll that came too soon gets slow_down, with the interval to keep', async () => {
    const code = await deviceCode();
    tooSoon = 10;
    const response = await poll(code);
    expect(under.lastAnswer()).toMatchObject({
      status: 400,
      body: { error: 'authorization_pending' },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: 'slow_down',
      error_description: 'polling too often: wait at least 10 seconds between requests',
    });
  });

  it('a denial stands however soon it was asked for', async () => {
    const code = await deviceCode();
    const stored = await under.engine.DeviceCode.find(code);
    Object.assign(stored!, { error: 'access_denied', errorDescription: 'denied' });
    await stored!.save();
    tooSoon = 10;
    const response = await poll(code);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: 'access_denied' });
  });
});
