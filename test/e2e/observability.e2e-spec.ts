import type { LoggerService } from '@nestjs/common';
import { callApi, postForm } from '../support/api.js';
import { discover, oidc, runCodeFlow } from '../support/oauth-client.js';
import { TestApp } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-test-0123456789';

/** Everything the app logs, as the lines an operator would read. */
function capturingLogger(lines: string[]): LoggerService {
  const keep = (message: unknown, ...rest: unknown[]) =>
    lines.push(JSON.stringify([message, ...rest]));
  return { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
}

describe('request logs and /metrics', () => {
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start(
      { METRICS_TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'log' },
      [],
      capturingLogger(lines),
    );
  });

  afterAll(async () => {
    await app.close();
  });

  const metrics = (authorization?: string) =>
    fetch(app.url('/metrics'), { headers: authorization ? { authorization } : {} });

  it('/metrics needs the token', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${METRICS_TOKEN}`]) {
      const response = await metrics(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    }
  });

  it('counts requests, tokens and sign-ins; logs each request; reveals no credential', async () => {
    const user = await app.createUser();
    const web = await app.createClient({ type: 'web' });
    const ua = new UserAgent(app.issuer);
    const flow = await runCodeFlow(ua, await discover(app, web), web, user, {
      scope: 'openid offline_access drive.read',
      prompt: 'consent',
    });
    const refreshed = await postForm(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: flow.tokens.refresh_token! },
      web,
    );
    expect(refreshed.status).toBe(200);
    const service = await app.createClient({ type: 'service', scope: 'drive.read' });
    const cc = await oidc.clientCredentialsGrant(await discover(app, service), {
      scope: 'drive.read',
    });
    expect(
      (await callApi(app, '/api/drive/files', { token: flow.tokens.access_token })).status,
    ).toBe(200);

    const response = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(
      /^gatehouse_http_requests_total\{class="oauth",method="POST",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^gatehouse_http_requests_total\{class="api",method="GET",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^gatehouse_tokens_issued_total\{grant_type="authorization_code"\} [1-9]/m,
    );
    expect(text).toMatch(/^gatehouse_tokens_issued_total\{grant_type="refresh_token"\} [1-9]/m);
    expect(text).toMatch(
      /^gatehouse_tokens_issued_total\{grant_type="client_credentials"\} [1-9]/m,
    );
    expect(text).toMatch(/^gatehouse_sign_ins_total\{outcome="success"\} [1-9]/m);
    expect(text).toMatch(
      /^gatehouse_http_request_duration_seconds_bucket\{le="0\.1",class="oauth"\} \d+$/m,
    );

    const requests = lines
      .map((line) => JSON.parse(line) as [unknown, string])
      .filter(([, context]) => context === 'Request')
      .map(([entry]) => entry as Record<string, unknown>);
    const token = requests.find(
      (entry) => entry.route === '/oauth/token' && entry.client_id === service.clientId,
    );
    expect(token).toEqual({
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      method: 'POST',
      route: '/oauth/token',
      class: 'oauth',
      status: 200,
      duration_ms: expect.any(Number),
      client_id: service.clientId,
    });
    expect(requests.find((entry) => entry.class === 'api')).toMatchObject({
      route: '/api/drive/files',
      status: 200,
      client_id: web.clientId,
    });
    // Interaction uids (a credential of the browser's flow) are masked, queries never logged.
    expect(requests.some((entry) => entry.route === '/interaction/:uid')).toBe(true);

    const secrets = [
      user.password,
      web.clientSecret!,
      service.clientSecret!,
      flow.tokens.access_token,
      flow.tokens.refresh_token!,
      flow.tokens.id_token!,
      flow.callback.searchParams.get('code')!,
      (refreshed.body as { access_token: string }).access_token,
      (refreshed.body as { refresh_token: string }).refresh_token,
      cc.access_token,
      ...ua.cookieNames().map((name) => ua.cookieValue(name)!),
    ];
    const everything = `${lines.join('\n')}\n${text}`;
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(everything).not.toContain(secret);
    }
  });

  it('answers with the request id it logged, or the one a proxy sent', async () => {
    const own = await fetch(app.url('/health/live'));
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const proxied = await fetch(app.url('/health/live'), {
      headers: { 'x-request-id': 'lb-1234' },
    });
    expect(proxied.headers.get('x-request-id')).toBe('lb-1234');
    const junk = await fetch(app.url('/health/live'), { headers: { 'x-request-id': 'a b' } });
    expect(junk.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('is off: 404', async () => {
    const app = await TestApp.start();
    try {
      expect((await fetch(app.url('/metrics'))).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
