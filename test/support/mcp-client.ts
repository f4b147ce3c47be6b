import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type OAuthClientProvider,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { approve, type AuthorizationRequest } from './oauth-client.js';
import type { TestApp, TestClient, TestUser } from './test-app.js';
import { UserAgent } from './user-agent.js';

/** One HTTP exchange the MCP client made, as the server answered it. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  wwwAuthenticate: string | null;
}

/**
 * The SDK's OAuthClientProvider for a client registered beforehand (through the app's own
 * ClientsService, as the CLI does): it hands the SDK that registration, keeps tokens and the
 * PKCE verifier in memory, and records where the SDK sends the user to authorize.
 */
export class PreRegisteredProvider implements OAuthClientProvider {
  private saved?: OAuthTokens;
  private verifier = '';
  /** The authorization URLs the SDK sent the user to, in order. */
  readonly authorizations: URL[] = [];

  constructor(private readonly client: TestClient) {}

  get redirectUrl(): string {
    return this.client.redirectUri;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      redirect_uris: [this.client.redirectUri],
      client_name: 'MCP test client',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.client.clientSecret ? 'client_secret_basic' : 'none',
    };
  }

  clientInformation(): OAuthClientInformationMixed {
    return {
      client_id: this.client.clientId,
      ...(this.client.clientSecret ? { client_secret: this.client.clientSecret } : {}),
    };
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  /** Replaces the tokens the SDK presents (e.g. with a token for another resource). */
  useTokens(tokens: OAuthTokens | undefined): void {
    this.saved = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizations.push(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }
}

/** An MCP client of the app's /mcp, whose every HTTP exchange is recorded in `exchanges`. */
export function mcpClient(
  app: TestApp,
  provider: PreRegisteredProvider,
  exchanges: Exchange[] = [],
): { client: Client; transport: StreamableHTTPClientTransport; exchanges: Exchange[] } {
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? 'GET',
      url: input instanceof Request ? input.url : String(input),
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
    });
    return response;
  };
  const transport = new StreamableHTTPClientTransport(new URL(app.url('/mcp')), {
    authProvider: provider,
    fetch: recording,
  });
  const client = new Client({ name: 'gatehouse-e2e', version: '1.0.0' });
  return { client, transport, exchanges };
}

/**
 * Connects an MCP client as a person would the first time: the server answers 401, the SDK
 * discovers the resource and its authorization server and sends the user to authorize (here
 * `user` signs in and allows on the real pages, over HTTP), then the client finishes with the
 * code and connects. Returns the connected client and what happened on the way.
 */
export async function connectWithSignIn(
  app: TestApp,
  registered: TestClient,
  user: TestUser,
): Promise<{
  client: Client;
  provider: PreRegisteredProvider;
  exchanges: Exchange[];
  authorization: URL;
}> {
  const provider = new PreRegisteredProvider(registered);
  const exchanges: Exchange[] = [];
  const first = mcpClient(app, provider, exchanges);
  await expectUnauthorized(first.client.connect(first.transport));
  const authorization = provider.authorizations.at(-1);
  if (!authorization) {
    throw new Error('the MCP client was not sent to authorize');
  }
  const callback = await approve(
    new UserAgent(app.issuer),
    { url: authorization } as AuthorizationRequest,
    user,
  );
  const code = callback.searchParams.get('code');
  if (!code) {
    throw new Error(`no code in the callback: ${callback.href}`);
  }
  await first.transport.finishAuth(code);
  const second = mcpClient(app, provider, exchanges);
  await second.client.connect(second.transport);
  return { client: second.client, provider, exchanges, authorization };
}

async function expectUnauthorized(connecting: Promise<void>): Promise<void> {
  try {
    await connecting;
  } catch (error) {
    if (error instanceof UnauthorizedError) {
      return;
    }
    throw error;
  }
  throw new Error('the MCP client connected without authorization');
}

export { StreamableHTTPError };
