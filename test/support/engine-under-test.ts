import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEngine,
  type ClientMetadata,
  type Configuration,
  type Engine,
  type EngineMiddleware,
  type KoaContextWithOIDC,
} from '../../src/oauth/provider/engine.js';
import type { ViewsService } from '../../src/common/views.service.js';
import { PROVIDER_ROUTES } from '../../src/oauth/provider/routes.js';

/**
 * The installed oidc-provider, as small as it comes: its in-memory adapter, Gatehouse's routes
 * and a few static clients, on a loopback port. The specs of `src/oauth/provider/corrections/`
 * send it the request that triggers what a correction matches and assert what the engine
 * answered (before the correction) and what the client gets (after it): an upgrade of
 * oidc-provider that changes either fails the spec that names the correction.
 */

export const ISSUER = 'http://127.0.0.1';

/** Confidential, client credentials only. */
export const SERVICE = { id: 'service', secret: 'service-secret' };
/** Confidential, authorization code and refresh tokens. */
export const WEB = { id: 'web', secret: 'web-secret', redirectUri: 'https://app.example/cb' };
/** Public, the device flow. */
export const DEVICE = { id: 'device' };
/** Confidential, client credentials, and allowed to introspect (Gatehouse's `--introspection`). */
export const RESOURCE_SERVER = { id: 'resource-server', secret: 'resource-server-secret' };
/** Public, a browser app on https://spa.example. */
export const SPA = { id: 'spa', origin: 'https://spa.example' };

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const CLIENTS: ClientMetadata[] = [
  {
    client_id: SERVICE.id,
    client_secret: SERVICE.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: RESOURCE_SERVER.id,
    client_secret: RESOURCE_SERVER.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    introspection_allowed: true,
  },
  {
    client_id: WEB.id,
    client_secret: WEB.secret,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEB.redirectUri],
  },
  {
    client_id: DEVICE.id,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: SPA.id,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${SPA.origin}/cb`],
  },
];

let signingKey: Record<string, unknown> | undefined;

/** One RSA key for every engine of a test run (generating one takes a while). */
function signingKeys(): Record<string, unknown>[] {
  signingKey ??= {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'test',
    use: 'sig',
    alg: 'RS256',
  };
  return [signingKey];
}

/** The engine's configuration for a test: the defaults, with `overrides` on top. */
export function testConfiguration(overrides: Configuration = {}): Configuration {
  const features: Configuration['features'] = {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    deviceFlow: { enabled: true },
  };
  return {
    clients: CLIENTS,
    jwks: { keys: signingKeys() },
    cookies: { keys: ['engine-under-test'] },
    routes: PROVIDER_ROUTES,
    extraClientMetadata: { properties: ['introspection_allowed', 'previous_secret_hash'] },
    // Explicit, so that the engine does not log a notice for each default it uses.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ...overrides,
    // The typings' feature unions do not survive a spread.
    features: { ...features, ...overrides.features } as Configuration['features'],
  };
}

/** Without the engine's warning that its in-memory adapter is for development: we know. */
function quietly<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('development-only in-memory adapter')) {
      warn(...args);
    }
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

/** What the engine answered, before any correction under test looked at it. */
export interface EngineAnswer {
  status: number;
  body: unknown;
  headers: Record<string, unknown>;
}

export interface EngineUnderTest {
  engine: Engine;
  /** The loopback origin it listens on. */
  url: string;
  /** The engine's own answer to the last request (undefined if a correction answered first). */
  lastAnswer(): EngineAnswer | undefined;
  /** Sends a request to it; `form` becomes a urlencoded body. */
  request(path: string, init?: TestRequest): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestRequest {
  method?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  /** HTTP Basic credentials. */
  basic?: { id: string; secret: string };
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined if it is none. */
  json: unknown;
}

/**
 * Starts an engine with `corrections` registered in this order (the first outermost) and a
 * recorder inside them, which notes the engine's answer before the corrections see it.
 * `beforeEngine` may rewrite the raw request before the engine gets it.
 */
export async function startEngine(
  options: {
    configuration?: Configuration;
    corrections?: EngineMiddleware[];
    beforeEngine?: (req: IncomingMessage) => void;
    issuer?: string;
  } = {},
): Promise<EngineUnderTest> {
  const engine = quietly(() =>
    createEngine(options.issuer ?? ISSUER, testConfiguration(options.configuration)),
  );
  for (const correction of options.corrections ?? []) {
    engine.use(correction);
  }
  let last: EngineAnswer | undefined;
  engine.use(async (ctx, next) => {
    last = undefined;
    await next();
    last = {
      status: ctx.status,
      body: ctx.body,
      headers: { ...(ctx.response.headers as Record<string, unknown>) },
    };
  });
  const callback = engine.callback();
  const server: Server = createServer((req, res) => {
    options.beforeEngine?.(req);
    void callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    engine,
    url,
    lastAnswer: () => last,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.basic) {
        const credentials = `${encodeURIComponent(init.basic.id)}:${encodeURIComponent(init.basic.secret)}`;
        headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      }
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      }
      const response = await fetch(`${url}${path}`, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        redirect: 'manual',
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A correction that looks at the engine's answer, as a middleware. */
export function afterEngine(
  correction: (ctx: KoaContextWithOIDC) => void | Promise<void>,
): EngineMiddleware {
  return async (ctx, next) => {
    await next();
    await correction(ctx as KoaContextWithOIDC);
  };
}

/** An access token the engine issued to the service client (opaque: no resource indicators). */
export async function serviceAccessToken(under: EngineUnderTest): Promise<string> {
  const response = await under.request(PROVIDER_ROUTES.token, {
    basic: SERVICE,
    form: { grant_type: 'client_credentials' },
  });
  return (response.json as { access_token: string }).access_token;
}

/** Something the engine takes for a JWT (it only decodes the protected header). */
export const A_JWT = `${Buffer.from('{"alg":"RS256","typ":"at+jwt"}').toString('base64url')}.e30.c2ln`;

/** A rendered page, as the recording views saw it. */
export interface RenderedPage {
  template: string;
  data: Record<string, unknown>;
}

/** Views that record what they render and answer the template's name. */
export function recordingViews(): { views: ViewsService; pages: RenderedPage[] } {
  const pages: RenderedPage[] = [];
  const views = {
    render: (template: string, data: Record<string, unknown> = {}) => {
      pages.push({ template, data });
      return `<page ${template}>`;
    },
  } as unknown as ViewsService;
  return { views, pages };
}

/** The cookies a response sets, as a Cookie header to send them back. */
export function cookiesOf(response: TestResponse): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}
