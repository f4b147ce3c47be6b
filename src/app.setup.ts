import { ConsoleLogger, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { AppModule } from './app.module.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { CSP_DIRECTIVES } from './common/security-headers.js';
import { ViewsService } from './common/views.service.js';
import type { AppConfig } from './config/app-config.js';
import { KeysService } from './oauth/keys/keys.service.js';
import { OIDC_PROVIDER } from './oauth/provider/oidc-provider.token.js';
import { isProviderPath } from './oauth/provider/routes.js';
import { setupApiDocs } from './resources/api-docs.js';
import { BearerChallengeFilter } from './resources/auth/bearer-challenge.js';

/** Form posts and JSON bodies are small; anything bigger is refused with 413 before parsing. */
const BODY_LIMIT = 64 * 1024;

export function createLogger(config: AppConfig): LoggerService {
  return new ConsoleLogger({ json: config.logFormat === 'json', logLevels: config.logLevels });
}

/**
 * Builds the whole application (not yet listening): used by main.ts and by the e2e tests, which
 * may add `extraModules` of their own.
 */
export async function createApp(
  config: AppConfig,
  logger: LoggerService | false = createLogger(config),
  extraModules: Type[] = [],
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Fastify accepts a hop count too; its typings lag behind.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: BODY_LIMIT,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, extraModules),
    adapter,
    {
      logger,
      abortOnError: false,
    },
  );
  const keys = app.get(KeysService);
  await keys.load();

  await app.register(fastifyCookie, { secret: keys.current.cookie });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: false,
  });
  mountProvider(app, app.get<Provider>(OIDC_PROVIDER));
  setupApiDocs(app, config);
  // Nest tries the last filter first: RFC 6750 challenges, then everything else.
  app.useGlobalFilters(new HttpErrorFilter(app.get(ViewsService)), new BearerChallengeFilter());
  return app;
}

/**
 * Hands oidc-provider its own paths (see routes.ts) as a plain middleware; everything else
 * continues to Nest. RFC 8414 metadata is served from the same document as OIDC discovery.
 */
function mountProvider(app: NestFastifyApplication, provider: Provider): void {
  const callback = provider.callback();
  const rfc8414 = '/.well-known/oauth-authorization-server';
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = req.url ?? '/';
    if (url === rfc8414 || url.startsWith(`${rfc8414}?`)) {
      req.url = url.replace(rfc8414, '/.well-known/openid-configuration');
    } else if (!isProviderPath(url)) {
      next();
      return;
    }
    void callback(req, res);
  });
}
