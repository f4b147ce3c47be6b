import { apiMetadata, callApi, serviceToken, userApiTokens } from '../support/api.js';
import { oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestUser } from '../support/test-app.js';

interface DriveFile {
  id: string;
  name: string;
  media_type: string;
  size: number;
  created_at: string;
  content?: string;
}

/** The sample Drive API, called as a relying party would, with openid-client (issue 3). */
describe.each(['jwt', 'opaque'] as const)('Drive API with %s access tokens', (format) => {
  const setup = useTestApp({
    env: { ACCESS_TOKEN_FORMAT: format },
    user: { email: `alice-${format}@example.com` },
  });
  let bob: TestUser;
  let aliceTokens: Awaited<ReturnType<typeof userApiTokens>>;

  beforeAll(async () => {
    const { app, user: alice } = setup;
    bob = await app.createUser({ email: `bob-${format}@example.com` });
    aliceTokens = await userApiTokens(app, alice);
  });

  /** openid-client's fetchProtectedResource: Authorization: Bearer, as any RP sends it. */
  async function fetchApi(
    accessToken: string,
    path: string,
    method = 'GET',
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; json: unknown }> {
    const { app } = setup;
    const response = await oidc.fetchProtectedResource(
      aliceTokens.config,
      accessToken,
      new URL(app.url(path)),
      method,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : new Headers({ 'content-type': 'application/json' }),
    );
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text ? JSON.parse(text) : undefined,
    };
  }

  it('create, list, read and delete a file', async () => {
    const token = aliceTokens.accessToken;
    const created = await fetchApi(token, '/api/drive/files', 'POST', {
      name: 'notes.txt',
      content: 'héllo wörld',
    });
    expect(created.status).toBe(201);
    const file = created.json as DriveFile;
    expect(file).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'notes.txt',
      media_type: 'text/plain',
      size: 13,
      created_at: expect.any(String),
      content: 'héllo wörld',
    });
    expect(created.headers.get('location')).toBe(`/api/drive/files/${file.id}`);

    const listed = await fetchApi(token, '/api/drive/files');
    const summary: DriveFile = { ...file };
    delete summary.content;
    expect({ status: listed.status, json: listed.json }).toEqual({
      status: 200,
      json: { files: [summary] },
    });

    expect(await fetchApi(token, `/api/drive/files/${file.id}`)).toMatchObject({
      status: 200,
      json: file,
    });

    const deleted = await fetchApi(token, `/api/drive/files/${file.id}`, 'DELETE');
    expect({ status: deleted.status, json: deleted.json }).toEqual({
      status: 204,
      json: undefined,
    });
    expect((await fetchApi(token, `/api/drive/files/${file.id}`)).status).toBe(404);
    expect((await fetchApi(token, '/api/drive/files')).json).toEqual({ files: [] });
  });

  it("a user never sees another user's files: 404, not 403", async () => {
    const { app } = setup;
    const created = await fetchApi(aliceTokens.accessToken, '/api/drive/files', 'POST', {
      name: 'private.txt',
      content: 'mine',
    });
    const { id } = created.json as DriveFile;
    const bobToken = (await userApiTokens(app, bob)).accessToken;
    const read = await callApi(app, `/api/drive/files/${id}`, { token: bobToken });
    expect({ status: read.status, body: read.body }).toEqual({
      status: 404,
      body: { error: 'not_found', error_description: 'No such file in your Drive' },
    });
    expect(
      (await callApi(app, `/api/drive/files/${id}`, { method: 'DELETE', token: bobToken })).status,
    ).toBe(404);
    expect((await callApi(app, '/api/drive/files', { token: bobToken })).body).toEqual({
      files: [],
    });
    expect((await fetchApi(aliceTokens.accessToken, `/api/drive/files/${id}`)).status).toBe(200);
    await fetchApi(aliceTokens.accessToken, `/api/drive/files/${id}`, 'DELETE');
  });

  it('pages through a listing, newest first', async () => {
    const { app } = setup;
    const { accessToken } = await userApiTokens(app, await app.createUser());
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) {
      await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: accessToken,
        body: { name, content: name },
      });
    }
    const seen: string[] = [];
    let path = '/api/drive/files?limit=2';
    for (let page = 0; page < 5; page++) {
      const response = await callApi(app, path, { token: accessToken });
      expect(response.status).toBe(200);
      const body = response.body as { files: DriveFile[]; next_page_token?: string };
      seen.push(...body.files.map((f) => f.name));
      if (!body.next_page_token) {
        break;
      }
      path = `/api/drive/files?limit=2&page_token=${body.next_page_token}`;
    }
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  describe('bad input: 400 invalid_request with a readable message, nothing stored', () => {
    it.each([
      ['a missing name', { content: 'x' }, 'Invalid input: expected string, received undefined'],
      ['an empty name', { name: '  ', content: 'x' }, 'name must not be empty'],
      [
        'a name with a slash',
        { name: 'a/b', content: 'x' },
        'name must not contain control characters or slashes',
      ],
      [
        'a bad media type',
        { name: 'a', content: 'x', media_type: 'text' },
        'media_type must be a media type such as text/plain',
      ],
      ['an unknown field', { name: 'a', content: 'x', owner: 'bob' }, 'unknown field(s): owner'],
      ['a body that is not an object', [1, 2], 'the body must be a JSON object'],
      [
        'content over 32 KiB',
        { name: 'a', content: 'é'.repeat(16 * 1024 + 1) },
        'content must be at most 32768 bytes (UTF-8)',
      ],
    ])('%s', async (_, body, message) => {
      const { app } = setup;
      const before = await callApi(app, '/api/drive/files', { token: aliceTokens.accessToken });
      const response = await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: aliceTokens.accessToken,
        body,
      });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: message },
      });
      const after = await callApi(app, '/api/drive/files', { token: aliceTokens.accessToken });
      expect(after.body).toEqual(before.body);
    });

    it('malformed JSON', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: aliceTokens.accessToken,
        body: '{"name":',
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request' });
    });

    it('a body over the 64 KiB limit is 413, and nothing is stored', async () => {
      const { app } = setup;
      const before = await callApi(app, '/api/drive/files', { token: aliceTokens.accessToken });
      const response = await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: aliceTokens.accessToken,
        body: { name: 'big.txt', content: 'x'.repeat(70 * 1024) },
      });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ error: 'request_too_large' });
      const after = await callApi(app, '/api/drive/files', { token: aliceTokens.accessToken });
      expect(after.body).toEqual(before.body);
    });

    it('a text/plain body is a clear 400, not a 5xx', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: aliceTokens.accessToken,
        headers: { 'content-type': 'text/plain' },
        body: 'name=x',
      });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: 'the body must be a JSON object' },
      });
    });

    it.each([
      ['limit=0', 'limit must be at least 1'],
      ['limit=101', 'limit must be at most 100'],
      ['limit=abc', 'Invalid input: expected number, received NaN'],
      ['page_token=bogus', 'page_token is not one this API issued'],
      ['colour=blue', 'unknown field(s): colour'],
    ])('list with %s', async (query, message) => {
      const { app } = setup;
      const response = await callApi(app, `/api/drive/files?${query}`, {
        token: aliceTokens.accessToken,
      });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: message },
      });
    });

    it('a file id that is not a UUID is simply not found', async () => {
      const { app } = setup;
      const response = await callApi(app, "/api/drive/files/1'%20OR%201=1", {
        token: aliceTokens.accessToken,
      });
      expect(response.status).toBe(404);
    });
  });

  describe('scopes and users', () => {
    it('drive.read may list and read but not write', async () => {
      const { app, user: alice } = setup;
      const { accessToken } = await userApiTokens(app, alice, 'drive.read');
      expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(200);
      const write = await callApi(app, '/api/drive/files', {
        method: 'POST',
        token: accessToken,
        body: { name: 'x', content: 'y' },
      });
      expect({ status: write.status, challenge: write.headers.get('www-authenticate') }).toEqual({
        status: 403,
        challenge: `Bearer realm="gatehouse", error="insufficient_scope", error_description="The access token lacks a scope this operation requires", scope="drive.write", resource_metadata="${apiMetadata(app.issuer)}"`,
      });
    });

    it('drive.write alone may not list', async () => {
      const { app, user: alice } = setup;
      const { accessToken } = await userApiTokens(app, alice, 'drive.write');
      const list = await callApi(app, '/api/drive/files', { token: accessToken });
      expect(list.status).toBe(403);
      expect(list.headers.get('www-authenticate')).toContain('scope="drive.read"');
    });

    it('a client credentials token has no user: 403, never a 5xx', async () => {
      const { app } = setup;
      const { accessToken } = await serviceToken(app);
      for (const [method, path] of [
        ['GET', '/api/drive/files'],
        ['POST', '/api/drive/files'],
        ['GET', '/api/drive/files/00000000-0000-4000-8000-000000000000'],
        ['DELETE', '/api/drive/files/00000000-0000-4000-8000-000000000000'],
      ]) {
        const response = await callApi(app, path, {
          method,
          token: accessToken,
          body: method === 'POST' ? { name: 'x', content: 'y' } : undefined,
        });
        expect({ status: response.status, body: response.body }).toEqual({
          status: 403,
          body: {
            error: 'insufficient_scope',
            error_description:
              'This operation acts for a user; a client credentials token has none. Use a token a user authorized',
          },
        });
      }
    });
  });
});

describe('API documentation', () => {
  const setup = useTestApp({ user: false });

  it('serves the OpenAPI document with the OAuth2 scheme and each operation’s scopes', async () => {
    const { app } = setup;
    const response = await callApi(app, '/api/docs/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { security: unknown; responses: Record<string, unknown> }>
      >;
    };
    expect(document.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        authorizationCode: {
          authorizationUrl: `${app.issuer}/oauth/authorize`,
          tokenUrl: `${app.issuer}/oauth/token`,
          scopes: {
            'drive.read': expect.any(String),
            'drive.write': expect.any(String),
            admin: expect.any(String),
          },
        },
        clientCredentials: { tokenUrl: `${app.issuer}/oauth/token` },
      },
    });
    const security = Object.fromEntries(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => [
          `${method.toUpperCase()} ${path}`,
          operation.security,
        ]),
      ),
    );
    expect(security).toEqual({
      'GET /api/drive/files': [{ oauth2: ['drive.read'] }],
      'POST /api/drive/files': [{ oauth2: ['drive.write'] }],
      'GET /api/drive/files/{id}': [{ oauth2: ['drive.read'] }],
      'DELETE /api/drive/files/{id}': [{ oauth2: ['drive.write'] }],
      'GET /api/admin/apps': [{ oauth2: ['admin'] }],
      'POST /api/admin/apps': [{ oauth2: ['admin'] }],
      'GET /api/admin/apps/{id}': [{ oauth2: ['admin'] }],
      'DELETE /api/admin/apps/{id}': [{ oauth2: ['admin'] }],
      'POST /api/admin/apps/{id}/secret': [{ oauth2: ['admin'] }],
      'GET /api/admin/users': [{ oauth2: ['admin'] }],
      'GET /api/admin/users/{id}': [{ oauth2: ['admin'] }],
      'PATCH /api/admin/users/{id}': [{ oauth2: ['admin'] }],
      'DELETE /api/admin/users/{id}': [{ oauth2: ['admin'] }],
      'POST /api/admin/users/{id}/password': [{ oauth2: ['admin'] }],
      'DELETE /api/admin/apps/{id}/secret/previous': [{ oauth2: ['admin'] }],
      'GET /api/admin/audit': [{ oauth2: ['admin'] }],
      'POST /api/admin/users/invitations': [{ oauth2: ['admin'] }],
    });
    expect(document.paths['/api/drive/files'].get.responses).toHaveProperty('403');
  });

  it('serves Swagger UI with a policy that lets only its own scripts run', async () => {
    const { app } = setup;
    const response = await callApi(app, '/api/docs', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.body).toContain('swagger-ui');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'api-docs.js']) {
      expect((await callApi(app, `/api/docs/${asset}`)).status).toBe(200);
    }
    expect((await callApi(app, '/api/docs/package.json')).status).toBe(404);
    expect((await callApi(app, '/api/docs/openapi.yaml')).status).toBe(200);
  });
});
