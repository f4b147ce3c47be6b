import type { LoggerService } from '@nestjs/common';
import pg from 'pg';
import { callApi, postForm, userApiTokens, type ApiResponse } from '../support/api.js';
import { authorizationRequest, expectPage, type oidc, signInAt } from '../support/oauth-client.js';
import { holdWriteLock } from '../support/sqlite-lock.js';
import { TestApp, type TestClient } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * While the database is out of reach — another process holds SQLite's write lock, PostgreSQL
 * refuses connections — requests are answered 503 with Retry-After in each endpoint's own
 * format (RFC 9110 §15.6.4), never a 500; one log line each, no stack; and everything works
 * again once the database is back (operations issue). CI runs this file on each database.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The service is temporarily unavailable. Please try again in a few seconds.',
};

/**
 * Background jobs (periodic syncs, notifications) retry on their own and log each failed round;
 * requests are what count here.
 */
const BACKGROUND_CONTEXTS = new Set([
  'RevocationList',
  'GrantUsage',
  'PostgresRevocationFeed',
  'KeysService',
  'SessionActivity',
]);

interface LogEntry {
  level: 'warn' | 'error' | 'fatal';
  context?: string;
  text: string;
}

/** Receives what the app logs at warn and above. */
class LogCollector implements LoggerService {
  entries: LogEntry[] = [];

  log(): void {}
  warn(message: unknown, ...params: unknown[]): void {
    this.add('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.add('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.add('fatal', message, params);
  }

  /** What requests logged since the last call. */
  takeRequestEntries(): LogEntry[] {
    const taken = this.entries.filter((entry) => !BACKGROUND_CONTEXTS.has(entry.context ?? ''));
    this.entries = [];
    return taken;
  }

  private add(level: LogEntry['level'], message: unknown, params: unknown[]): void {
    // Nest's Logger passes its context last (after a stack, for error()).
    const context = params.length > 0 ? params.at(-1) : undefined;
    const text = [message, ...params.slice(0, -1)]
      .filter((part) => part !== undefined)
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
      .join('\n');
    this.entries.push({ level, context: typeof context === 'string' ? context : undefined, text });
  }
}

interface Fixtures {
  app: TestApp;
  logs: LogCollector;
  service: TestClient;
  resourceServer: TestClient;
  native: TestClient;
  device: TestClient;
  nativeConfig: oidc.Configuration;
  serviceToken: string;
  userToken: string;
  refreshToken: string;
  browser: UserAgent;
}

/**
 * An app with opaque access tokens (so that a client_credentials token is a write and the API
 * looks tokens up), and tokens, clients and a signed-in browser made while the database is up.
 */
async function prepare(): Promise<Fixtures> {
  const logs = new LogCollector();
  // A short busy timeout keeps the SQLite test fast; PostgreSQL ignores it.
  const app = await TestApp.start(
    { ACCESS_TOKEN_FORMAT: 'opaque', DATABASE_BUSY_TIMEOUT: '100ms' },
    [],
    logs,
  );
  const user = await app.createUser();
  const service = await app.createClient({ type: 'service', scope: 'drive.read' });
  const resourceServer = await app.createClient({ type: 'service', introspection: true });
  // A public client: its refresh tokens rotate, so a refresh consumes one (the write).
  const native = await app.createClient({ type: 'native' });
  const device = await app.createClient({ type: 'device' });
  const tokens = await userApiTokens(app, user, 'drive.read drive.write', native);
  const issued = await clientCredentials(app, service);
  expect(issued.status).toBe(200);
  const browser = new UserAgent(app.issuer);
  expectPage(await signInAt(browser, user, '/account'), 'Your account');
  logs.takeRequestEntries();
  return {
    app,
    logs,
    service,
    resourceServer,
    native,
    device,
    nativeConfig: tokens.config,
    serviceToken: (issued.body as { access_token: string }).access_token,
    userToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    browser,
  };
}

function clientCredentials(app: TestApp, service: TestClient): Promise<ApiResponse> {
  return postForm(
    app,
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'drive.read' },
    service,
  );
}

function refresh(f: Fixtures): Promise<ApiResponse> {
  return postForm(
    f.app,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: f.refreshToken },
    f.native,
  );
}

function introspect(f: Fixtures): Promise<ApiResponse> {
  return postForm(f.app, '/oauth/introspect', { token: f.serviceToken }, f.resourceServer);
}

function revoke(f: Fixtures): Promise<ApiResponse> {
  return postForm(f.app, '/oauth/revoke', { token: f.serviceToken }, f.service);
}

function deviceAuthorization(f: Fixtures): Promise<ApiResponse> {
  return postForm(f.app, '/oauth/device/auth', { scope: 'openid' }, f.device);
}

function listFiles(f: Fixtures): Promise<ApiResponse> {
  return callApi(f.app, '/api/drive/files', { token: f.userToken });
}

function createFile(f: Fixtures): Promise<ApiResponse> {
  return callApi(f.app, '/api/drive/files', {
    method: 'POST',
    token: f.userToken,
    body: { name: 'notes.txt', content: 'hello' },
  });
}

/** A browser opening the authorization endpoint (the sign-in page, normally). */
async function openAuthorization(f: Fixtures): Promise<Response> {
  const { url } = await authorizationRequest(f.nativeConfig, f.native);
  return new UserAgent(f.app.issuer).raw(url.href);
}

/** The JSON answer every endpoint (OAuth or API) gives while the database is away. */
function expectJsonUnavailable(response: ApiResponse): void {
  expect({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    cacheControl: response.headers.get('cache-control'),
    contentType: response.headers.get('content-type'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    body: response.body,
  }).toEqual({
    status: 503,
    retryAfter: '5',
    cacheControl: 'no-store',
    contentType: 'application/json; charset=utf-8',
    wwwAuthenticate: null,
    body: UNAVAILABLE,
  });
}

/** The page a person sees while the database is away. */
async function expectPageUnavailable(response: Response): Promise<void> {
  const body = await response.text();
  expect({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    cacheControl: response.headers.get('cache-control'),
    contentType: response.headers.get('content-type'),
  }).toEqual({
    status: 503,
    retryAfter: '5',
    cacheControl: 'no-store',
    contentType: 'text/html; charset=utf-8',
  });
  expect(body).toContain('<h1 id="page-title">Temporarily unavailable</h1>');
  expect(body).toContain(`<p role="alert">${UNAVAILABLE.error_description}</p>`);
  expect(body).toContain('<code>temporarily_unavailable</code>');
  // No error class, no stack frame, no SQL.
  expect(body).not.toMatch(/\w+Error\b|\bat \S+:\d+|SQLITE|SELECT|INSERT|UPDATE/);
}

/** One warn line per request answered 503, in order, without a stack; nothing at error level. */
function expectOneLineEach(logs: LogCollector, requests: string[], cause: RegExp): void {
  const entries = logs.takeRequestEntries();
  expect(entries).toEqual(
    requests.map((request) => ({
      level: 'warn',
      context: expect.any(String),
      text: expect.stringMatching(
        new RegExp(`^Database unavailable, answered 503: ${request} \\((?:${cause.source})\\)$`),
      ),
    })),
  );
}

/** What must work again once the database is back: the same tokens, the same requests. */
async function expectRecovered(f: Fixtures): Promise<void> {
  expect((await clientCredentials(f.app, f.service)).status).toBe(200);
  expect(await introspect(f)).toMatchObject({ status: 200, body: { active: true } });
  const refreshed = await refresh(f);
  expect(refreshed).toMatchObject({
    status: 200,
    body: { refresh_token: expect.any(String), access_token: expect.any(String) },
  });
  const created = await createFile(f);
  expect(created.status).toBe(201);
  expect((await listFiles(f)).body).toEqual({
    files: [expect.objectContaining({ name: 'notes.txt' })],
  });
  const page = await openAuthorization(f);
  expect(page.status).toBe(303);
  await page.arrayBuffer();
  expect((await fetch(f.app.url('/health'))).status).toBe(200);
  expect((await deviceAuthorization(f)).status).toBe(200);
  // The revocation that failed changed nothing; this one does.
  expect((await revoke(f)).status).toBe(200);
  expect(await introspect(f)).toMatchObject({ status: 200, body: { active: false } });
  expect(f.logs.takeRequestEntries()).toEqual([]);
}

(onPostgres ? describe.skip : describe)(
  'SQLite, while another process holds the write lock',
  () => {
    let f: Fixtures;
    let lock: { release(): void } | undefined;

    beforeAll(async () => {
      f = await prepare();
    });

    afterAll(async () => {
      lock?.release();
      await f?.app.close();
    });

    it('answers every write 503 with Retry-After in its own format, and recovers', async () => {
      const { database } = f.app.config;
      if (database.type !== 'better-sqlite3') {
        throw new Error('expected the SQLite database');
      }
      lock = holdWriteLock(database.path);

      // Writes wait out the busy timeout, then give up.
      expectJsonUnavailable(await clientCredentials(f.app, f.service));
      expectJsonUnavailable(await refresh(f));
      expectJsonUnavailable(await revoke(f));
      expectJsonUnavailable(await deviceAuthorization(f));
      expectJsonUnavailable(await createFile(f));
      await expectPageUnavailable(await openAuthorization(f));
      expectOneLineEach(
        f.logs,
        [
          'POST /oauth/token',
          'POST /oauth/token',
          'POST /oauth/revoke',
          'POST /oauth/device/auth',
          'POST /api/drive/files',
          'GET /oauth/authorize',
        ],
        /SQLITE_BUSY: database is locked/,
      );

      // In WAL mode a write lock does not stop readers: what only reads goes on.
      expect(await introspect(f)).toMatchObject({ status: 200, body: { active: true } });
      expect(await listFiles(f)).toMatchObject({ status: 200, body: { files: [] } });
      expect((await f.browser.raw('/account')).status).toBe(200);
      expect((await fetch(f.app.url('/health'))).status).toBe(200);
      expect(f.logs.takeRequestEntries()).toEqual([]);

      lock.release();
      lock = undefined;
      await expectRecovered(f);
    });
  },
);

(onPostgres ? describe : describe.skip)(
  'PostgreSQL, while it refuses connections to the database',
  () => {
    let f: Fixtures;
    let admin: pg.Client;
    let database: string;

    /** ALTER DATABASE ... ALLOW_CONNECTIONS: the server stays up, the app's database does not. */
    async function allowConnections(allow: boolean): Promise<void> {
      await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS ${String(allow)}`);
    }

    beforeAll(async () => {
      f = await prepare();
      database = new URL(f.app.environment.DATABASE_URL).pathname.slice(1);
      admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
    });

    afterAll(async () => {
      // Whatever happened, the test database must be droppable.
      await allowConnections(true);
      await admin.end();
      await f?.app.close();
    });

    it('answers every request 503 with Retry-After in its own format, and recovers', async () => {
      await allowConnections(false);
      // And drop the app's pooled connections, as a restarting server would.
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );

      expectJsonUnavailable(await clientCredentials(f.app, f.service));
      expectJsonUnavailable(await introspect(f));
      expectJsonUnavailable(await refresh(f));
      expectJsonUnavailable(await revoke(f));
      expectJsonUnavailable(await deviceAuthorization(f));
      // Looking the opaque token up fails: not a 401 (the token is fine), a 503.
      expectJsonUnavailable(await listFiles(f));
      expectJsonUnavailable(await createFile(f));
      await expectPageUnavailable(await openAuthorization(f));
      await expectPageUnavailable(await f.browser.raw('/account'));
      const health = await fetch(f.app.url('/health'));
      expect({
        status: health.status,
        retryAfter: health.headers.get('retry-after'),
        body: await health.json(),
      }).toEqual({
        status: 503,
        retryAfter: '5',
        body: {
          error: 'temporarily_unavailable',
          error_description: 'The database is unreachable.',
        },
      });
      expectOneLineEach(
        f.logs,
        [
          'POST /oauth/token',
          'POST /oauth/introspect',
          'POST /oauth/token',
          'POST /oauth/revoke',
          'POST /oauth/device/auth',
          'GET /api/drive/files',
          'POST /api/drive/files',
          'GET /oauth/authorize',
          'GET /account',
          'GET /health',
        ],
        // The first request may meet a pooled connection as it is terminated; the rest are refused.
        /57P01: terminating connection due to administrator command|Connection terminated unexpectedly|55000: database "\w+" is not currently accepting connections/,
      );

      await allowConnections(true);
      await expectRecovered(f);
    });
  },
);
