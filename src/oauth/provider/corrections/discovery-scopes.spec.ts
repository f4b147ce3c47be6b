import { startEngine, type EngineUnderTest } from '../../../../test/support/engine-under-test.js';
import { discoveryListsEveryScope } from './discovery-scopes.js';

describe('discoveryListsEveryScope, on the installed oidc-provider', () => {
  const registry = ['openid', 'profile', 'offline_access', 'drive.read', 'drive.write'];
  let bare: EngineUnderTest;
  let corrected: EngineUnderTest;
  beforeAll(async () => {
    // As provider-config.ts configures it: OIDC scopes to the engine, all of them to discovery.
    const configuration = {
      scopes: ['openid', 'profile', 'offline_access'],
      discovery: { scopes_supported: registry },
    };
    bare = await startEngine({ configuration });
    corrected = await startEngine({
      configuration,
      corrections: [discoveryListsEveryScope(registry)],
    });
  });
  afterAll(async () => {
    await bare.close();
    await corrected.close();
  });

  const discovery = async (under: EngineUnderTest) =>
    (await under.request('/.well-known/openid-configuration')).json as Record<string, unknown>;

  it('the engine lists its OpenID Connect scopes only, whatever the configuration says', async () => {
    expect(await discovery(bare)).toMatchObject({
      scopes_supported: ['openid', 'profile', 'offline_access'],
      // What the MCP authorization specification asks of the metadata, the engine has.
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('corrected, it lists every scope of the registry', async () => {
    expect((await discovery(corrected)).scopes_supported).toEqual(registry);
  });
});
