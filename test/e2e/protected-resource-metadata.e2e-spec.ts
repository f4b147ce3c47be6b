import { SCOPES } from '../../src/tokens/scopes.js';
import { callApi } from '../support/api.js';
import { useTestApp } from '../support/e2e.js';

/** RFC 9728 protected resource metadata of the API and the MCP server (issue 13). */
describe('protected resource metadata', () => {
  const setup = useTestApp({ user: false });

  it.each([
    [
      'api',
      {
        scopes_supported: ['drive.read', 'drive.write', 'admin'],
        bearer_methods_supported: ['header', 'body'],
        resource_name: 'Gatehouse API',
      },
    ],
    [
      'mcp',
      {
        scopes_supported: ['drive.read', 'drive.write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse Drive (MCP server)',
      },
    ],
  ])('of /%s, at the RFC 9728 §3.1 location, exactly', async (path, fields) => {
    const { app } = setup;
    const response = await callApi(app, `/.well-known/oauth-protected-resource/${path}`);
    expect([response.status, response.headers.get('content-type')]).toEqual([
      200,
      'application/json; charset=utf-8',
    ]);
    expect(response.body).toEqual({
      resource: `${app.issuer}/${path}`,
      authorization_servers: [app.issuer],
      ...fields,
      dpop_signing_alg_values_supported: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      resource_documentation: `${app.issuer}/api/docs`,
    });
  });

  it.each(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/other'])(
    'serves nothing for a resource that is not registered: %s',
    async (path) => {
      const { app } = setup;
      expect((await callApi(app, path)).status).toBe(404);
    },
  );

  it("names the authorization server whose metadata lists every resource's scopes and what MCP requires", async () => {
    const { app } = setup;
    const metadata = (await callApi(app, '/.well-known/oauth-authorization-server')).body as Record<
      string,
      unknown
    >;
    expect(metadata.issuer).toBe(app.issuer);
    expect(metadata.scopes_supported).toEqual(Object.keys(SCOPES));
    for (const path of ['api', 'mcp']) {
      const resource = (await callApi(app, `/.well-known/oauth-protected-resource/${path}`))
        .body as { scopes_supported: string[] };
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(resource.scopes_supported));
    }
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });
});
