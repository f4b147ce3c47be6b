import { z } from 'zod';
import { AUDIT_EVENTS, AUDIT_OUTCOMES, type AuditEventName } from '../audit/audit-event.js';
import type { AuditQuery } from '../audit/audit-log.service.js';
import { parseInput } from '../common/parse-input.js';
import { CLIENT_TYPES } from '../oauth/clients/client.entity.js';
import type { NewClient } from '../oauth/clients/clients.service.js';

const MAX_URIS = 20;
/** The longest grace period an admin may give a rotated-out secret. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

const uris = z.array(z.string().max(2000)).max(MAX_URIS, `at most ${MAX_URIS} URIs`);

/**
 * A new application, as the admin API takes it (RFC 7591 member names). What the values may
 * be (redirect URI rules per type, scopes, URLs) is checked by ClientsService, the same rules
 * as the CLI and the pages.
 */
export const NewAppSchema = z
  .strictObject({
    name: z.string().max(200),
    type: z.enum(CLIENT_TYPES, { error: `type must be one of ${CLIENT_TYPES.join(', ')}` }),
    redirect_uris: uris.default([]),
    post_logout_redirect_uris: uris.default([]),
    scope: z
      .string()
      .max(1000)
      .optional()
      .describe('Space-separated; default: all the type can use'),
    introspection: z.boolean().default(false),
    logo_uri: z.string().max(2000).optional(),
    client_uri: z.string().max(2000).optional(),
    allow_scope_removal: z.boolean().default(true),
    first_party: z
      .boolean()
      .default(false)
      .describe('Your own app: users are not asked for consent again at each authorization'),
    token_exchange_audiences: z
      .array(z.string().max(2000))
      .max(MAX_URIS, `at most ${MAX_URIS} audiences`)
      .default([])
      .describe(
        "Resource indicators it may exchange its users' access tokens for (RFC 8693); web and service only",
      ),
    require_mfa: z
      .boolean()
      .default(false)
      .describe('Every authorization for the app needs a second factor in that session'),
  })
  .meta({ title: 'NewApplication' });

/** A validated new application (API body or registration form) as ClientsService takes it. */
export function toNewClient(input: z.output<typeof NewAppSchema>): NewClient {
  return {
    name: input.name,
    type: input.type,
    redirectUris: input.redirect_uris,
    postLogoutRedirectUris: input.post_logout_redirect_uris,
    scope: input.scope,
    introspection: input.introspection,
    logoUri: input.logo_uri,
    clientUri: input.client_uri,
    allowScopeRemoval: input.allow_scope_removal,
    firstParty: input.first_party,
    tokenExchangeAudiences: input.token_exchange_audiences,
    requireMfa: input.require_mfa,
  };
}

export const RotateSecretSchema = z
  .strictObject({
    grace_period: z
      .number()
      .int('grace_period must be a whole number of seconds')
      .min(0, 'grace_period must be 0 or more')
      .max(MAX_GRACE_SECONDS, `grace_period must be at most ${MAX_GRACE_SECONDS} seconds (30 days)`)
      .optional()
      .describe('Seconds the old secret keeps working; default CLIENT_SECRET_GRACE (24 h)'),
  })
  .meta({ title: 'SecretRotation' });

const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name} must be a date-time such as 2026-11-28T09:00:00Z` })
    .transform((value) => new Date(value))
    .optional();

export const AuditQuerySchema = z.strictObject({
  event: z
    .enum(Object.keys(AUDIT_EVENTS) as [AuditEventName, ...AuditEventName[]], {
      error: `event must be one of ${Object.keys(AUDIT_EVENTS).join(', ')}`,
    })
    .optional(),
  outcome: z.enum(AUDIT_OUTCOMES, { error: 'outcome must be success or failure' }).optional(),
  actor: z.string().max(320).optional(),
  client_id: z.string().max(64).optional(),
  since: instant('since'),
  until: instant('until'),
  limit: z.coerce
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(200, 'limit must be at most 200')
    .default(50),
  after: z.string().max(200).optional(),
});

/** The audit trail's query parameters (API and page alike), validated: a 400 otherwise. */
export function parseAuditQuery(input: unknown): AuditQuery {
  const q = parseInput(AuditQuerySchema, input);
  return {
    event: q.event,
    outcome: q.outcome,
    actorId: q.actor,
    clientId: q.client_id,
    since: q.since,
    until: q.until,
    limit: q.limit,
    after: q.after,
  };
}

// Response shapes: documentation only.
export const AppSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    type: z.enum(CLIENT_TYPES),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    scope: z.string(),
    introspection: z.boolean(),
    logo_uri: z.string().nullable(),
    client_uri: z.string().nullable(),
    allow_scope_removal: z.boolean(),
    first_party: z.boolean(),
    token_exchange_audiences: z
      .array(z.string())
      .describe('What it may exchange tokens for (RFC 8693); empty: no token exchange'),
    require_mfa: z.boolean(),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .meta({ format: 'date-time' })
      .describe('Until when the secret replaced by the last rotation still works'),
    created_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ title: 'Application' });

export const CreatedAppSchema = AppSchema.extend({
  client_secret: z.string().optional().describe('Only for web and service apps, and only now'),
}).meta({ title: 'CreatedApplication' });

export const RotatedSecretSchema = z
  .object({
    client_id: z.string(),
    client_secret: z.string().describe('Shown only now'),
    previous_secret_expires_at: z.string().nullable().meta({ format: 'date-time' }),
  })
  .meta({ title: 'RotatedSecret' });

export const AuditPageSchema = z
  .object({
    events: z.array(
      z.object({
        id: z.string(),
        at: z.string().meta({ format: 'date-time' }),
        event: z.string(),
        outcome: z.enum(AUDIT_OUTCOMES),
        actor: z.string().nullable(),
        client_id: z.string().nullable(),
        ip: z.string().nullable(),
        details: z.record(z.string(), z.unknown()),
      }),
    ),
    next: z.string().optional().describe('Pass as `after` for older events'),
  })
  .meta({ title: 'AuditPage' });
