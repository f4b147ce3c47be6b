import { ConsoleLogger, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import { AppModule } from './app.module.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { refuseOtherHosts } from './common/misdirected-requests.js';
import { securityHeaders } from './common/security-headers.js';
import { ViewsService } from './common/views.service.js';
import type { AppConfig } from './config/app-config.js';
import { KeysService } from './keys/keys.service.js';
import { pinToIssuer } from './oauth/provider/corrections/pin-to-issuer.js';
import type { Engine } from './oauth/provider/engine.js';
import { OIDC_PROVIDER } from './oauth/provider/oidc-provider.token.js';
import { isProviderPath, PROVIDER_ROUTES } from './oauth/provider/routes.js';
import {
  SessionActivity,
  sessionIdInCookies,
  sessionIdInSetCookie,
} from './people/session-activity.service.js';
import { setupApiDocs } from './api-docs/api-docs.js';
import { BearerChallengeFilter } from './resources/auth/bearer-challenge.js';
import { resourceCors } from './resources/auth/resource-cors.js';
import { ClientStore } from './oauth/clients/client.store.js';
import { logRequests } from './observability/request-log.js';

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

  const issuer = new URL(config.issuer);
  // First of all, so that every request is logged and counted, the engine's included.
  logRequests(app.getHttpAdapter().getInstance(), logger, config.logFormat);
  if (config.strictHost) {
    refuseOtherHosts(app.getHttpAdapter().getInstance(), issuer);
  }
  // Before the engine takes its requests: sign-ins happen there.
  recordSessionActivity(app);
  // First after that, so that nothing of ours runs for oidc-provider's requests (it sets its
  // own headers).
  mountProvider(app, app.get<Engine>(OIDC_PROVIDER), issuer);
  await app.register(fastifyCookie, { secret: keys.current.cookie });
  addSecurityHeaders(app);
  // Browser apps calling the API and the MCP server from their own origins.
  const clients = app.get(ClientStore);
  app.enableCors({ hook: 'preHandler', delegator: resourceCors(() => clients.spaOrigins()) });
  setupApiDocs(app, config);
  // Nest tries the last filter first: RFC 6750 challenges, then everything else.
  app.useGlobalFilters(new HttpErrorFilter(app.get(ViewsService)), new BearerChallengeFilter());
  return app;
}

/** helmet's headers (see security-headers.ts) on every response Fastify sends. */
function addSecurityHeaders(app: NestFastifyApplication): void {
  const headers = securityHeaders();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      void reply.headers(headers);
      done();
    });
}

/**
 * Tells SessionActivity about each answered request of a browser session (the sign-in's answer
 * sets the cookie, later requests send it), after the answer is out: never in its way.
 */
function recordSessionActivity(app: NestFastifyApplication): void {
  const activity = app.get(SessionActivity);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const sent = sessionIdInCookies(request.headers.cookie);
      if (sent || request.raw.url?.startsWith(PROVIDER_ROUTES.authorization)) {
        reply.raw.once('finish', () => {
          const id = sessionIdInSetCookie(reply.raw.getHeader('set-cookie')) ?? sent;
          if (id) {
            void activity.seen(id, request.headers['user-agent'], request.ip);
          }
        });
      }
      done();
    });
}

/**
 * Hands oidc-provider its own paths (see routes.ts), straight from Fastify's first request hook;
 * everything else continues to Nest. RFC 8414 metadata is served from the same document as OIDC
 * discovery. A hook rather than `app.use()`: Nest's middleware layer (middie) would add its cost
 * to every API request. The engine sees every request as addressed to the issuer (see
 * corrections/pin-to-issuer.ts).
 */
function mountProvider(app: NestFastifyApplication, provider: Engine, issuer: URL): void {
  const callback = provider.callback();
  const rfc8414 = '/.well-known/oauth-authorization-server';
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const req = request.raw;
      const url = req.url ?? '/';
      if (url === rfc8414 || url.startsWith(`${rfc8414}?`)) {
        req.url = url.replace(rfc8414, '/.well-known/openid-configuration');
      } else if (!isProviderPath(url)) {
        done();
        return;
      }
      pinToIssuer(req, issuer, request.ip);
      // oidc-provider answers on the raw response; Fastify must not send anything itself.
      reply.hijack();
      void callback(req, reply.raw);
    });
}
