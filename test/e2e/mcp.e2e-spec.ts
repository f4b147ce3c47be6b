import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { apiMetadata, callApi, postForm, userApiTokens } from '../support/api.js';
import { useTestApp } from '../support/e2e.js';
import { forgeAccessToken } from '../support/forge.js';
import { connectWithSignIn } from '../support/mcp-client.js';
import type { TestApp, TestClient } from '../support/test-app.js';

const REDIRECT_URI = 'http://127.0.0.1/mcp-callback';
const DPOP_ALGS = 'algs="ES256 PS256 RS256 EdDSA"';
const mcpMetadata = (app: TestApp) => `${app.issuer}/.well-known/oauth-protected-resource/mcp`;

/** A raw JSON-RPC request to /mcp, as an MCP client sends it, with `authorization` if given. */
function mcpRequest(app: TestApp, authorization?: string, method = 'tools/list') {
  return callApi(app, '/mcp', {
    method: 'POST',
    headers: {
      accept: 'application/json, text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: { jsonrpc: '2.0', id: 1, method, params: {} },
  });
}

function payload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/**
 * The MCP server at /mcp, driven by the official SDK client (Client +
 * StreamableHTTPClientTransport with an OAuthClientProvider) against the real app, signing in
 * and consenting on the real pages (issue 13).
 */
describe.each(['jwt', 'opaque'] as const)('MCP server at /mcp (%s access tokens)', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format } });
  let registered: TestClient;
  let session: Awaited<ReturnType<typeof connectWithSignIn>>;
  let accessToken: string;

  beforeAll(async () => {
    const { app, user } = setup;
    registered = await app.createClient({ type: 'web', redirectUris: [REDIRECT_URI] });
    session = await connectWithSignIn(app, registered, user);
    accessToken = session.provider.tokens()!.access_token;
  });

  afterAll(async () => {
    await session?.client.close();
  });

  it('answers the first request 401 naming its metadata; the client finds the resource and the authorization server, and authorizes for /mcp with PKCE', () => {
    const { app } = setup;
    const path = (url: string) => url.replace(app.issuer, '');
    expect(
      session.exchanges
        .slice(0, 3)
        .map((exchange) => [
          exchange.method,
          path(exchange.url),
          exchange.status,
          exchange.wwwAuthenticate,
        ]),
    ).toEqual([
      ['POST', '/mcp', 401, `Bearer realm="gatehouse", resource_metadata="${mcpMetadata(app)}"`],
      ['GET', '/.well-known/oauth-protected-resource/mcp', 200, null],
      ['GET', '/.well-known/oauth-authorization-server', 200, null],
    ]);
    const authorization = session.authorization;
    expect(`${authorization.origin}${authorization.pathname}`).toBe(
      `${app.issuer}/oauth/authorize`,
    );
    expect(Object.fromEntries(authorization.searchParams)).toEqual({
      response_type: 'code',
      client_id: registered.clientId,
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
      redirect_uri: REDIRECT_URI,
      scope: 'drive.read drive.write',
      resource: `${app.issuer}/mcp`,
    });
    // The code was redeemed at the token endpoint, then the client connected with the token.
    expect(session.exchanges.filter((exchange) => path(exchange.url) === '/oauth/token')).toEqual([
      expect.objectContaining({ method: 'POST', status: 200 }),
    ]);
    expect(session.provider.tokens()).toEqual(
      expect.objectContaining({ token_type: 'Bearer', scope: 'drive.read drive.write' }),
    );
    if (format === 'jwt') {
      expect(payload(accessToken)).toEqual(
        expect.objectContaining({
          aud: `${app.issuer}/mcp`,
          scope: 'drive.read drive.write',
          client_id: registered.clientId,
          sub: setup.user.id,
        }),
      );
    }
  });

  it('lists the Drive tools', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map(({ name, title, annotations }) => ({ name, title, annotations }))).toEqual([
      {
        name: 'list_files',
        title: 'List files',
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      {
        name: 'read_file',
        title: 'Read a file',
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      {
        name: 'create_file',
        title: 'Create a file',
        annotations: { readOnlyHint: false, openWorldHint: false },
      },
    ]);
    expect(tools[2].inputSchema).toEqual(
      expect.objectContaining({
        type: 'object',
        required: ['name', 'content'],
        additionalProperties: false,
      }),
    );
  });

  it("creates, lists and reads the user's files, the same as the API shows them", async () => {
    const { app } = setup;
    const created = await session.client.callTool({
      name: 'create_file',
      arguments: { name: 'notes.md', content: 'héllo', media_type: 'text/markdown' },
    });
    const file = created.structuredContent as { id: string; created_at: string };
    const expected = {
      id: file.id,
      name: 'notes.md',
      media_type: 'text/markdown',
      size: 6,
      created_at: file.created_at,
      content: 'héllo',
    };
    expect(created).toEqual({
      content: [{ type: 'text', text: JSON.stringify(expected) }],
      structuredContent: expected,
    });

    const summary = { ...expected, content: undefined };
    const listed = await session.client.callTool({ name: 'list_files', arguments: {} });
    expect(listed).toEqual({
      content: [{ type: 'text', text: JSON.stringify({ files: [summary] }) }],
      structuredContent: { files: [summary] },
    });

    const read = await session.client.callTool({ name: 'read_file', arguments: { id: file.id } });
    expect(read.structuredContent).toEqual(expected);

    // The same file through the API, with an API token of the same user.
    const api = await userApiTokens(app, setup.user, 'drive.read');
    const viaApi = await callApi(app, `/api/drive/files/${file.id}`, { token: api.accessToken });
    expect(viaApi.body).toEqual(expected);
  });

  it('answers a file that is not there as a tool error', async () => {
    const missing = await session.client.callTool({
      name: 'read_file',
      arguments: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing).toEqual({
      content: [{ type: 'text', text: 'No such file in your Drive' }],
      isError: true,
    });
  });

  it('refuses a token for the API, and the API refuses a token for /mcp (RFC 8707)', async () => {
    const { app, user } = setup;
    const api = await userApiTokens(app, user, 'drive.read drive.write');
    const atMcp = await mcpRequest(app, `Bearer ${api.accessToken}`);
    expect([atMcp.status, atMcp.headers.get('www-authenticate'), atMcp.body]).toEqual([
      401,
      `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${mcpMetadata(app)}"`,
      { error: 'invalid_token', error_description: 'The access token is invalid' },
    ]);
    const atApi = await callApi(app, '/api/drive/files', { token: accessToken });
    expect([atApi.status, atApi.headers.get('www-authenticate')]).toEqual([
      401,
      `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${apiMetadata(app.issuer)}"`,
    ]);
    // The token itself is fine where it belongs.
    expect((await mcpRequest(app, `Bearer ${accessToken}`)).status).toBe(200);
  });

  it('names its metadata in every refusal: no token, a bad, an expired or a DPoP-less token', async () => {
    const { app } = setup;
    const challenge = (error: string, description: string, scheme = 'Bearer', extra = '') =>
      `${scheme} realm="gatehouse", error="${error}", error_description="${description}"${extra}, resource_metadata="${mcpMetadata(app)}"`;
    const expired = await forgeAccessToken(app, {
      aud: `${app.issuer}/mcp`,
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    const answers = await Promise.all([
      mcpRequest(app),
      mcpRequest(app, 'Bearer not-a-token'),
      mcpRequest(app, `Bearer ${expired}`),
      mcpRequest(app, `DPoP ${accessToken}`),
      mcpRequest(app, 'Bearer'),
    ]);
    expect(
      answers.map((answer) => [answer.status, answer.headers.get('www-authenticate')]),
    ).toEqual([
      [401, `Bearer realm="gatehouse", resource_metadata="${mcpMetadata(app)}"`],
      [401, challenge('invalid_token', 'The access token is invalid')],
      [401, challenge('invalid_token', 'The access token expired')],
      [
        401,
        challenge(
          'invalid_token',
          'The access token is not bound to a DPoP key',
          'DPoP',
          `, ${DPOP_ALGS}`,
        ),
      ],
      [400, challenge('invalid_request', 'The Bearer credentials are missing the access token')],
    ]);
  });

  it("refuses a request from a page of an origin not its own nor a browser app's (DNS rebinding)", async () => {
    const { app } = setup;
    const send = (origin: string) =>
      callApi(app, '/mcp', {
        method: 'POST',
        headers: {
          origin,
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json, text/event-stream',
        },
        body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      });
    const evil = await send('https://evil.example.com');
    expect([evil.status, evil.body]).toEqual([
      403,
      {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Invalid Origin header: https://evil.example.com' },
        id: null,
      },
    ]);
    expect((await send(new URL(app.issuer).origin)).status).toBe(200);
  });

  it('has no event stream or sessions (stateless): GET is 405', async () => {
    const { app } = setup;
    const response = await callApi(app, '/mcp', { token: accessToken });
    expect([response.status, response.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('refuses a revoked token on the next request', async () => {
    const { app, user } = setup;
    const second = await connectWithSignIn(app, registered, user);
    const token = second.provider.tokens()!.access_token;
    expect((await mcpRequest(app, `Bearer ${token}`)).status).toBe(200);
    expect((await postForm(app, '/oauth/revoke', { token }, registered)).status).toBe(200);
    const refused = await mcpRequest(app, `Bearer ${token}`);
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([
      401,
      `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${mcpMetadata(app)}"`,
    ]);
    await second.client.close();
  });

  it('refuses a tool call the token lacks the scope for with 403 insufficient_scope; the client asks the user for it', async () => {
    const { app, user } = setup;
    const readOnly = await app.createClient({
      type: 'web',
      redirectUris: [REDIRECT_URI],
      scope: 'drive.read',
    });
    const reader = await connectWithSignIn(app, readOnly, user);
    expect(reader.provider.tokens()!.scope).toBe('drive.read');
    expect(
      (await reader.client.callTool({ name: 'list_files', arguments: {} })).isError,
    ).toBeUndefined();

    await expect(
      reader.client.callTool({ name: 'create_file', arguments: { name: 'x', content: 'y' } }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const refusal = reader.exchanges.findIndex((exchange) => exchange.status === 403);
    expect(reader.exchanges[refusal]).toEqual({
      method: 'POST',
      url: `${app.issuer}/mcp`,
      status: 403,
      wwwAuthenticate: `Bearer realm="gatehouse", error="insufficient_scope", error_description="The tool create_file needs the scope drive.write", scope="drive.write", resource_metadata="${mcpMetadata(app)}"`,
    });
    // Step-up (MCP authorization, "Scope Challenge Handling"): the client reads the metadata the
    // challenge names and sends the user to authorize the scope it names.
    expect(reader.exchanges.slice(refusal + 1).map((exchange) => exchange.url)).toEqual([
      mcpMetadata(app),
      `${app.issuer}/.well-known/oauth-authorization-server`,
    ]);
    const stepUp = reader.provider.authorizations.at(-1)!;
    expect([stepUp.searchParams.get('scope'), stepUp.searchParams.get('resource')]).toEqual([
      'drive.write',
      `${app.issuer}/mcp`,
    ]);
    // Nothing was created.
    const listed = await reader.client.callTool({ name: 'list_files', arguments: {} });
    expect(
      (listed.structuredContent as { files: { name: string }[] }).files.map((f) => f.name),
    ).toEqual(['notes.md']);
    await reader.client.close();
  });
});
