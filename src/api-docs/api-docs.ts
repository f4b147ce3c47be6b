import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config.js';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { API_SCOPES, SCOPES } from '../tokens/scopes.js';
import { PROVIDER_ROUTES } from '../oauth/provider/routes.js';
import { REQUIRES_USER, SCOPE_REQUIREMENTS } from '../resources/auth/decorators.js';
import {
  satisfyingScopeSets,
  type ScopeRequirement,
} from '../resources/auth/scope-requirements.js';
import { AdminModule } from '../admin/admin.module.js';
import { DriveModule } from '../resources/drive/drive.module.js';

export const API_DOCS_PATH = '/api/docs';
const SECURITY_SCHEME = 'oauth2';
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

type Operation = OpenAPIObject['paths'][string]['get'] & object;

/**
 * The API's OpenAPI document, served at /api/docs (Swagger UI) and /api/docs/openapi.json. Each
 * operation's `security` is derived from the same `@Scopes()`/`@AnyScope()` metadata the guard
 * enforces, so the documentation cannot drift from what is checked.
 */
export function setupApiDocs(app: NestFastifyApplication, config: AppConfig): void {
  const { issuer, brand } = config;
  const scopes = Object.fromEntries(API_SCOPES.map((scope) => [scope, SCOPES[scope]]));
  const builder = new DocumentBuilder()
    .setTitle(`${brand.name} API`)
    .setDescription(
      [
        `Protected by OAuth 2.0 access tokens for the resource \`${issuer}/api\` (RFC 8707),`,
        'sent as `Authorization: Bearer <token>` (RFC 6750). Refusals follow RFC 6750 §3:',
        '401 with `WWW-Authenticate: Bearer` for a missing, expired, revoked or invalid token,',
        '400 `invalid_request` for a malformed request, 403 `insufficient_scope` with the',
        'required `scope` for a token that lacks it.',
        ...(brand.privacyUrl ? [`Privacy: ${brand.privacyUrl}`] : []),
      ].join(' '),
    )
    .setVersion('1')
    .addServer(issuer)
    .addOAuth2(
      {
        type: 'oauth2',
        description: `Discovery: ${issuer}/.well-known/openid-configuration`,
        flows: {
          authorizationCode: {
            authorizationUrl: `${issuer}${PROVIDER_ROUTES.authorization}`,
            tokenUrl: `${issuer}${PROVIDER_ROUTES.token}`,
            refreshUrl: `${issuer}${PROVIDER_ROUTES.token}`,
            scopes,
          },
          clientCredentials: { tokenUrl: `${issuer}${PROVIDER_ROUTES.token}`, scopes },
        },
      },
      SECURITY_SCHEME,
    );
  // The operator's contact and terms (BRAND_NAME, SUPPORT_*, TERMS_URL), as on every page.
  if (brand.supportEmail || brand.supportUrl) {
    builder.setContact(brand.name, brand.supportUrl ?? '', brand.supportEmail ?? '');
  }
  if (brand.termsUrl) {
    builder.setTermsOfService(brand.termsUrl);
  }
  const document = SwaggerModule.createDocument(app, builder.build(), {
    include: [DriveModule, AdminModule],
  });
  describeSecurity(app, document);
  // Swagger UI is a script: its pages (only) may run our own scripts and inline styles.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      if (request.url === API_DOCS_PATH || request.url.startsWith(`${API_DOCS_PATH}/`)) {
        void reply.header('Content-Security-Policy', DOCS_CSP);
      }
      done(null, payload);
    });
  SwaggerModule.setup(API_DOCS_PATH, app, document, {
    jsonDocumentUrl: `${API_DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${API_DOCS_PATH}/openapi.yaml`,
    // The UI is ApiDocsController's; SwaggerModule serves only the document.
    ui: false,
    raw: ['json', 'yaml'],
  });
}

/** Sets each operation's security requirements and RFC 6750 error responses from our metadata. */
function describeSecurity(app: NestFastifyApplication, document: OpenAPIObject): void {
  const operations = new Map<string, Operation>();
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (isOperation(operation)) {
        operations.set(operation.operationId!, operation);
      }
    }
  }
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function' || Reflect.getMetadata(IS_PUBLIC, metatype)) {
        continue;
      }
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        const operation = operations.get(`${metatype.name}_${name}`);
        const handler = (metatype.prototype as Record<string, unknown>)[name] as object;
        if (!operation || Reflect.getMetadata(IS_PUBLIC, handler)) {
          continue;
        }
        const requirements = [metatype, handler].flatMap(
          (target) => (Reflect.getMetadata(SCOPE_REQUIREMENTS, target) ?? []) as ScopeRequirement[],
        );
        const userOnly = Boolean(
          Reflect.getMetadata(REQUIRES_USER, handler) ??
          Reflect.getMetadata(REQUIRES_USER, metatype),
        );
        describeOperation(operation, requirements, userOnly);
      }
    }
  }
}

function describeOperation(
  operation: Operation,
  requirements: ScopeRequirement[],
  userOnly: boolean,
): void {
  const sets = satisfyingScopeSets(requirements);
  operation.security = sets.map((set) => ({ [SECURITY_SCHEME]: set }));
  const needs = sets.map((set) =>
    set.length ? set.map((s) => `\`${s}\``).join(' + ') : 'any scope',
  );
  const lines = [`Requires an access token with ${needs.join(' or ')}.`];
  if (userOnly) {
    lines.push('The token must come from a user’s authorization (not client credentials).');
  }
  operation.description = [operation.description, ...lines].filter(Boolean).join('\n\n');
  operation.responses = {
    ...operation.responses,
    400: operation.responses?.[400] ?? { description: 'Malformed request (`invalid_request`)' },
    401: { description: 'No, an invalid, expired or revoked access token (`invalid_token`)' },
    403: { description: 'The token lacks a required scope (`insufficient_scope`)' },
  };
}

function isOperation(value: unknown): value is Operation {
  return typeof value === 'object' && value !== null && 'operationId' in value;
}
