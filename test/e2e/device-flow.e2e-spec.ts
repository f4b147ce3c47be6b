import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { callApi, postForm } from '../support/api.js';
import { discover, expectPage, oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp, type TestClient } from '../support/test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The device flow (RFC 8628) as a TV would use it: the device asks for a code and polls the
 * token endpoint; a person enters the code on the verification page, signs in and allows.
 * DEVICE_POLL_INTERVAL is 1 s here so the tests can keep to it.
 */
describe('Device flow (RFC 8628)', () => {
  const setup = useTestApp({ env: { DEVICE_POLL_INTERVAL: '1s' } });
  let tv: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    tv = await app.createClient({ type: 'device', name: 'Living-room TV' });
  });

  async function authorize(
    scope = 'openid offline_access drive.read',
  ): Promise<DeviceAuthorization> {
    const { app } = setup;
    const response = await postForm(app, '/oauth/device/auth', { scope }, tv);
    expect(response.status).toBe(200);
    return response.body as DeviceAuthorization;
  }

  function poll(deviceCode: string) {
    const { app } = setup;
    return postForm(app, '/oauth/token', { grant_type: DEVICE_GRANT, device_code: deviceCode }, tv);
  }

  /** The person's side: enter the code, check the device, sign in, then Allow or Deny. */
  async function approve(
    ua: UserAgent,
    userCode: string,
    answer: 'Allow' | 'Deny' = 'Allow',
  ): Promise<Visit> {
    const { user } = setup;
    const entry = await ua.get('/device');
    expectPage(entry, 'Connect a device');
    expect(entry.body).toContain('<label for="user_code">Code</label>');
    const confirm = await ua.postForm(formAction(entry.body), {
      xsrf: hiddenField(entry.body, 'xsrf'),
      user_code: userCode,
    });
    expectPage(confirm, 'Connect Living-room TV?');
    let next = await ua.postForm(formAction(confirm.body), {
      xsrf: hiddenField(confirm.body, 'xsrf'),
      user_code: hiddenField(confirm.body, 'user_code'),
      confirm: 'yes',
    });
    if (next.body.includes('<h1 id="page-title">Sign in</h1>')) {
      next = await ua.postForm(formAction(next.body), {
        _csrf: hiddenField(next.body, '_csrf'),
        email: user.email,
        password: user.password,
      });
    }
    expectPage(next, 'Living-room TV wants to access your account');
    const action = answer === 'Allow' ? formAction(next.body) : formAction(next.body, 'Deny');
    return ua.postForm(action, { _csrf: hiddenField(next.body, '_csrf') });
  }

  it('answers the device with a short code, where to enter it, its lifetime and the interval', async () => {
    const { app } = setup;
    const discovery = (await (
      await fetch(app.url('/.well-known/openid-configuration'))
    ).json()) as Record<string, unknown>;
    expect(discovery.device_authorization_endpoint).toBe(app.url('/oauth/device/auth'));
    expect(discovery.grant_types_supported).toContain(DEVICE_GRANT);

    const started = await authorize();
    expect(started).toEqual({
      device_code: expect.stringMatching(/^[\w-]{43}$/),
      user_code: expect.stringMatching(USER_CODE),
      verification_uri: app.url('/device'),
      verification_uri_complete: app.url(`/device?user_code=${started.user_code}`),
      expires_in: 600,
      interval: 1,
    });
  });

  it('the whole flow: pending while the person approves, then tokens, once', async () => {
    const { app } = setup;
    const started = await authorize();
    const pending = await poll(started.device_code);
    expect(pending.status).toBe(400);
    expect(pending.body).toEqual({
      error: 'authorization_pending',
      error_description:
        "authorization request is still pending as the end-user hasn't yet completed the user interaction steps",
    });

    // Typed in lower case and without the dash: both are ignored.
    const done = await approve(
      new UserAgent(app.issuer),
      started.user_code.replace('-', '').toLowerCase(),
    );
    expectPage(done, '<strong>Living-room TV</strong> is now connected to your account.');

    // The adapter's internal row reference is no device code (a copy of the database must not
    // redeem one).
    await sleep(1000);
    const rowKey = createHash('sha256').update(started.device_code).digest('base64url');
    const forged = await poll(`row:${rowKey}`);
    expect(forged.status).toBe(400);
    expect((forged.body as { error: string }).error).toBe('invalid_grant');

    await sleep(1000);
    const tokens = await poll(started.device_code);
    expect(tokens.status).toBe(200);
    const body = tokens.body as { access_token: string; refresh_token: string; scope: string };
    expect(body.scope).toBe('drive.read');
    expect(body.refresh_token).toMatch(/^[\w-]{43}$/);
    expect((await callApi(app, '/api/drive/files', { token: body.access_token })).status).toBe(200);

    // A device code works once.
    await sleep(1000);
    const again = await poll(started.device_code);
    expect(again.status).toBe(400);
    expect((again.body as { error: string }).error).toBe('invalid_grant');
  });

  it('openid-client as the device: initiate, poll until the person allows, get tokens', async () => {
    const { app, user } = setup;
    const config = await discover(app, tv);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid drive.read' });
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    await approve(new UserAgent(app.issuer), started.user_code);
    const tokens = await polling;
    expect(tokens.claims()!.sub).toBe(user.id);
    expect(tokens.scope).toBe('drive.read');
  });

  it('slow_down for a device that polls faster than its interval, which grows by 5 s each time', async () => {
    const started = await authorize();
    expect((await poll(started.device_code)).body).toMatchObject({
      error: 'authorization_pending',
    });
    const fast = await poll(started.device_code);
    expect(fast.status).toBe(400);
    expect(fast.body).toEqual({
      error: 'slow_down',
      error_description: 'polling too often: wait at least 6 seconds between requests',
    });
    await sleep(1100);
    // 1.1 s is enough for the original interval, not for the new one.
    expect((await poll(started.device_code)).body).toEqual({
      error: 'slow_down',
      error_description: 'polling too often: wait at least 11 seconds between requests',
    });
  });

  it('access_denied when the person denies, or cancels on the confirmation page', async () => {
    const { app } = setup;
    const denied = await authorize();
    const page = await approve(new UserAgent(app.issuer), denied.user_code, 'Deny');
    expectPage(page, 'The device was not connected.');
    expect((await poll(denied.device_code)).body).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request',
    });

    const cancelled = await authorize();
    const ua = new UserAgent(app.issuer);
    const entry = await ua.get('/device');
    const confirm = await ua.postForm(formAction(entry.body), {
      xsrf: hiddenField(entry.body, 'xsrf'),
      user_code: cancelled.user_code,
    });
    const aborted = await ua.postForm(formAction(confirm.body), {
      xsrf: hiddenField(confirm.body, 'xsrf'),
      user_code: hiddenField(confirm.body, 'user_code'),
      abort: 'yes',
    });
    expectPage(aborted, 'The device was not connected.');
    expect((await poll(cancelled.device_code)).body).toMatchObject({ error: 'access_denied' });
  });

  it('verification_uri_complete opens the code page with the code filled in, to check and confirm', async () => {
    const { app } = setup;
    const started = await authorize();
    const ua = new UserAgent(app.issuer);
    const page = await ua.get(started.verification_uri_complete);
    expectPage(page, 'Connect a device');
    expect(page.body).toContain(`value="${started.user_code}"`);
    expect(page.body).not.toContain('<script');
    const confirm = await ua.postForm(formAction(page.body), {
      xsrf: hiddenField(page.body, 'xsrf'),
      user_code: started.user_code,
    });
    expectPage(confirm, 'Connect Living-room TV?');
    expect(confirm.body).toContain(started.user_code);
    expect(confirm.body).toContain('See the files in your Drive');
  });

  it('serves a QR code (SVG) of verification_uri_complete for the device to show', async () => {
    const { app } = setup;
    const started = await authorize();
    const response = await fetch(app.url(`/device/qr.svg?user_code=${started.user_code}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Exactly verification_uri_complete: the library draws the same text as the same image.
    const QRCode = (await import('qrcode')).default;
    expect(svg).toBe(
      await QRCode.toString(started.verification_uri_complete, {
        type: 'svg',
        margin: 2,
        errorCorrectionLevel: 'M',
      }),
    );
    for (const bad of ['', 'hello', 'AAAA-AAAA', `${started.user_code}&x=1`]) {
      const refused = await fetch(app.url(`/device/qr.svg?user_code=${encodeURIComponent(bad)}`));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({
        error: 'invalid_request',
        error_description: 'user_code must be a user code such as BCDF-GHJK',
      });
    }
  });

  it('says why a code is refused, and throttles a session that keeps guessing (RFC 8628 §5.1)', async () => {
    const { app } = setup;
    const started = await authorize();
    const ua = new UserAgent(app.issuer);
    let page = await ua.get('/device');
    for (let guess = 1; guess <= 5; guess++) {
      page = await ua.postForm(formAction(page.body), {
        xsrf: hiddenField(page.body, 'xsrf'),
        user_code: 'BCDF-GHJK',
      });
      expect(page.status).toBe(400);
      expect(page.body).toContain(
        'That code is not valid. Check the code on your device and try again.',
      );
    }
    // The next try, even with the right code, waits.
    const blocked = await ua.postForm(formAction(page.body), {
      xsrf: hiddenField(page.body, 'xsrf'),
      user_code: started.user_code,
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.body).toContain('Too many incorrect codes. Try again in 15 minute(s).');
    expect(blocked.body).not.toContain('<form');

    // The code itself is untouched: another person can still use it.
    expectPage(await approve(new UserAgent(app.issuer), started.user_code), 'Device connected');
  });

  it('expired_token once the code outlives DEVICE_CODE_TTL, and the page says it expired', async () => {
    const shortLived = await TestApp.start({ DEVICE_CODE_TTL: '1s', DEVICE_POLL_INTERVAL: '1s' });
    try {
      const device = await shortLived.createClient({ type: 'device', name: 'Old TV' });
      const started = (
        await postForm(shortLived, '/oauth/device/auth', { scope: 'openid' }, device)
      ).body as DeviceAuthorization;
      expect(started.expires_in).toBe(1);
      await sleep(1500);
      const expired = await postForm(
        shortLived,
        '/oauth/token',
        { grant_type: DEVICE_GRANT, device_code: started.device_code },
        device,
      );
      expect(expired.body).toEqual({
        error: 'expired_token',
        error_description: 'device code is expired',
      });
      const ua = new UserAgent(shortLived.issuer);
      const entry = await ua.get('/device');
      const refused = await ua.postForm(formAction(entry.body), {
        xsrf: hiddenField(entry.body, 'xsrf'),
        user_code: started.user_code,
      });
      expect(refused.body).toContain('That code has expired. Start again on your device.');
    } finally {
      await shortLived.close();
    }
  });

  it('examples/device-client.mjs signs in a person and reads their Drive', async () => {
    const { app, user } = setup;
    const device = spawn(process.execPath, ['examples/device-client.mjs'], {
      env: { PATH: process.env.PATH, ISSUER: app.issuer, CLIENT_ID: tv.clientId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    device.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    device.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => device.on('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      // Everything up to "Waiting" is printed before the first poll.
      while (!output.includes('Waiting for you to approve') && Date.now() < deadline) {
        await sleep(50);
      }
      const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(output);
      expect(output).toContain(`To sign in, visit ${app.url('/device')} and enter the code`);
      // The terminal QR code is drawn with block characters.
      expect(output).toMatch(/[▀▄█]/);
      await approve(new UserAgent(app.issuer), code![1]);
      expect(await exited).toBe(0);
      expect(output).toContain(`Signed in as ${user.id}; granted: drive.read`);
      expect(output).toContain('Your Drive has 0 file(s).');
    } finally {
      device.kill();
    }
  });

  it('registers device apps without redirect URIs, as public clients', async () => {
    const { app } = setup;
    const clients = app.app.get(ClientsService);
    const { client, clientSecret } = await clients.create({ name: 'Console', type: 'device' });
    expect(clientSecret).toBeUndefined();
    expect(client.scope).toBe('openid profile email offline_access drive.read drive.write');
    await expect(
      clients.create({
        name: 'Console',
        type: 'device',
        redirectUris: ['https://console.example.com/cb'],
      }),
    ).rejects.toThrow(
      'device applications use the device flow (RFC 8628) and have no redirect URIs',
    );
    // Other types cannot use the device grant.
    const web = await app.createClient({ type: 'web' });
    const refused = await postForm(app, '/oauth/device/auth', { scope: 'openid' }, web);
    expect(refused.status).toBe(400);
    expect((refused.body as { error: string }).error).toBe('unauthorized_client');
  });
});
