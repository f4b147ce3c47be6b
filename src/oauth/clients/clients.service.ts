import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, UserInputError } from '../../common/errors.js';
import { type Actor, CLI_ACTOR } from '../../audit/audit-event.js';
import { AuditLog } from '../../audit/audit-log.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { OidcPayloadStore } from '../../tokens/oidc-payload.store.js';
import { RevocationList } from '../../tokens/revocation-list.js';
import { IDENTITY_SCOPES, isScope, PRIVILEGED_SCOPES, SCOPES } from '../../tokens/scopes.js';
import { resourceServers } from '../../tokens/resources.js';
import { CLIENT_TYPES, type ClientEntity, type ClientType } from './client.entity.js';
import { ClientStore } from './client.store.js';
import { isConfidential } from './client-metadata.js';
import { generateClientSecret, hashClientSecret } from './client-secret.js';
import { redirectUriProblems } from './redirect-uris.js';

export interface NewClient {
  name: string;
  type: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Space-separated; defaults to every registered scope the type can use. */
  scope?: string;
  introspection?: boolean;
  /** https URL of the app's logo, shown on consent and connected-apps pages. */
  logoUri?: string;
  /** The app's homepage (http(s)). */
  clientUri?: string;
  /** Whether users may take back single scopes; true unless said otherwise. */
  allowScopeRemoval?: boolean;
  /** The operator's own app: consent is remembered even for native apps and devices. */
  firstParty?: boolean;
  /**
   * Resource indicators it may exchange its users' access tokens for (RFC 8693), or their paths
   * on the issuer (`/api`); none by default. Confidential types only, each a resource server
   * this deployment knows.
   */
  tokenExchangeAudiences?: string[];
  /** Every authorization for the app needs a second factor in that session. */
  requireMfa?: boolean;
}

export interface RotatedSecret {
  /** The new secret: shown now and never again. */
  clientSecret: string;
  /** Until when the secret it replaced still works (ms since the epoch); absent if it stopped. */
  previousSecretExpiresAt?: number;
}

export interface RotateOptions {
  /** Seconds the replaced secret keeps working; CLIENT_SECRET_GRACE by default, 0 for none. */
  graceSeconds?: number;
  actor?: Actor;
}

export interface CreatedClient {
  client: ClientEntity;
  /** Present only for confidential types, and only now: it is never shown again. */
  clientSecret?: string;
}

/** The types that receive the authorization response at a redirect URI. */
const REDIRECTING_TYPES = new Set<ClientType>(['web', 'spa', 'native']);

/** Registers and manages applications (OAuth clients). */
@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientStore,
    private readonly payloads: OidcPayloadStore,
    private readonly revocations: RevocationList,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  /** `actor`: who registers it, for the audit trail (the CLI unless said otherwise). */
  async create(input: NewClient, actor: Actor = CLI_ACTOR): Promise<CreatedClient> {
    const type = parseType(input.type);
    const name = input.name?.trim();
    if (!name || name.length > 200) {
      throw new UserInputError('name is required and must be at most 200 characters');
    }
    const redirectUris = unique(input.redirectUris ?? []);
    const postLogoutRedirectUris = unique(input.postLogoutRedirectUris ?? []);
    const problems = redirectUriProblems(type, [...redirectUris, ...postLogoutRedirectUris]);
    if (REDIRECTING_TYPES.has(type) && redirectUris.length === 0) {
      problems.unshift(`a ${type} application needs at least one --redirect-uri`);
    }
    if (input.introspection && !isConfidential(type)) {
      problems.push('only confidential applications (web, service) can be resource servers');
    }
    const tokenExchangeAudiences = this.exchangeAudiences(type, input, problems);
    const logoUri = optionalUrl('logo URL', input.logoUri, ['https:'], problems);
    const clientUri = optionalUrl('homepage', input.clientUri, ['https:', 'http:'], problems);
    if (problems.length) {
      throw new UserInputError(problems.join('\n'));
    }
    const clientSecret = isConfidential(type) ? generateClientSecret() : undefined;
    const client = this.clients.build({
      // 128 random bits in hex: URL- and shell-safe, and never starting with '-' (which a
      // command line would take for an option).
      id: randomBytes(16).toString('hex'),
      name,
      type,
      secretHash: clientSecret ? hashClientSecret(clientSecret) : null,
      redirectUris,
      postLogoutRedirectUris,
      scope: parseScope(type, input.scope),
      introspection: input.introspection ?? false,
      logoUri: logoUri ?? null,
      clientUri: clientUri ?? null,
      allowScopeRemoval: input.allowScopeRemoval ?? true,
      firstParty: input.firstParty ?? false,
      tokenExchangeAudiences,
      requireMfa: input.requireMfa ?? false,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
    });
    await this.clients.insert(client);
    await this.audit.record({
      event: 'client.created',
      outcome: 'success',
      actor,
      clientId: client.id,
      details: {
        name,
        type,
        scope: client.scope,
        redirect_uris: redirectUris,
        ...(tokenExchangeAudiences.length
          ? { token_exchange_audiences: tokenExchangeAudiences }
          : {}),
      },
    });
    return { client, clientSecret };
  }

  find(id: string): Promise<ClientEntity | null> {
    return this.clients.find(id);
  }

  list(): Promise<ClientEntity[]> {
    return this.clients.list();
  }

  /**
   * Gives a confidential application a new secret. The one it replaces keeps working for
   * `graceSeconds` (CLIENT_SECRET_GRACE by default; 0 ends it at once), so a deployment can roll
   * over without downtime; a secret still in its grace from an earlier rotation stops now.
   */
  async rotateSecret(
    id: string,
    { graceSeconds = this.config.clientSecretGrace, actor = CLI_ACTOR }: RotateOptions = {},
  ): Promise<RotatedSecret> {
    const client = await this.get(id);
    if (!isConfidential(client.type)) {
      throw new UserInputError(`${client.type} applications are public and have no secret`);
    }
    if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0) {
      throw new UserInputError('the grace period must be a whole number of seconds, 0 or more');
    }
    const clientSecret = generateClientSecret();
    const previousSecretExpiresAt =
      graceSeconds > 0 && client.secretHash ? Date.now() + graceSeconds * 1000 : undefined;
    await this.clients.update(id, {
      secretHash: hashClientSecret(clientSecret),
      previousSecretHash: previousSecretExpiresAt ? client.secretHash : null,
      previousSecretExpiresAt: previousSecretExpiresAt ?? null,
    });
    await this.audit.record({
      event: 'client.secret_rotated',
      outcome: 'success',
      actor,
      clientId: id,
      details: {
        previous_valid_until: previousSecretExpiresAt
          ? new Date(previousSecretExpiresAt).toISOString()
          : null,
      },
    });
    return { clientSecret, previousSecretExpiresAt };
  }

  /**
   * Ends the grace period of the secret a rotation replaced: it stops working now (after a
   * leak, say). Returns false when there was none still working.
   */
  async revokePreviousSecret(id: string, actor: Actor = CLI_ACTOR): Promise<boolean> {
    const client = await this.get(id);
    const live = Boolean(
      client.previousSecretHash && (client.previousSecretExpiresAt ?? 0) > Date.now(),
    );
    await this.clients.update(id, { previousSecretHash: null, previousSecretExpiresAt: null });
    if (live) {
      await this.audit.record({
        event: 'client.secret_revoked',
        outcome: 'success',
        actor,
        clientId: id,
      });
    }
    return live;
  }

  /**
   * Deletes an application and every grant, code and token it holds. Its tokens are refused
   * through the revocation list (both formats), recorded first so that no moment exists where
   * the app is gone but its tokens still pass; then its rows go.
   */
  async delete(id: string, actor: Actor = CLI_ACTOR): Promise<void> {
    const client = await this.get(id);
    await this.revocations.revoke('client', id);
    await this.clients.delete(id);
    await this.payloads.deleteByClient(id);
    await this.audit.record({
      event: 'client.deleted',
      outcome: 'success',
      actor,
      clientId: id,
      details: { name: client.name, type: client.type },
    });
  }

  /**
   * The audiences a new app may exchange tokens for: only a confidential app can (it acts for
   * users server to server, authenticated), and only for resource servers this deployment has.
   */
  private exchangeAudiences(type: ClientType, input: NewClient, problems: string[]): string[] {
    // A path names the resource on this server: `/api` is `${ISSUER}/api`.
    const audiences = unique(
      (input.tokenExchangeAudiences ?? [])
        .map((audience) => audience.trim())
        .filter(Boolean)
        .map((audience) =>
          audience.startsWith('/') ? `${this.config.issuer}${audience}` : audience,
        ),
    );
    if (audiences.length && !isConfidential(type)) {
      problems.push('only confidential applications (web, service) can exchange tokens');
    }
    const known = resourceServers(this.config.issuer).map((server) => server.resource);
    const unknown = audiences.filter((audience) => !known.includes(audience));
    if (unknown.length) {
      problems.push(
        `token exchange audience ${unknown.join(', ').slice(0, 200)} is not a resource of this server; known: ${known.join(' ')}`,
      );
    }
    return audiences;
  }

  private async get(id: string): Promise<ClientEntity> {
    const client = await this.find(id);
    if (!client) {
      throw new NotFoundError(`no application with client_id ${id}`);
    }
    return client;
  }
}

function parseType(type: string): ClientType {
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) {
    throw new UserInputError(`type must be one of ${CLIENT_TYPES.join(', ')}`);
  }
  return type as ClientType;
}

function parseScope(type: ClientType, scope: string | undefined): string {
  // A service has no user: no identity scopes, and no admin (the admin API acts for an admin).
  const userOnly = new Set<string>([...IDENTITY_SCOPES, ...PRIVILEGED_SCOPES]);
  const usable = Object.keys(SCOPES).filter((s) => type !== 'service' || !userOnly.has(s));
  if (scope === undefined) {
    // Privileged scopes only when asked for by name.
    return usable.filter((s) => !(PRIVILEGED_SCOPES as string[]).includes(s)).join(' ');
  }
  const requested = unique(scope.split(/\s+/).filter(Boolean));
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length) {
    throw new UserInputError(
      `unknown scope ${unknown.join(', ')}; known scopes: ${Object.keys(SCOPES).join(' ')}`,
    );
  }
  const unusable = requested.filter((s) => !usable.includes(s));
  if (unusable.length) {
    throw new UserInputError(
      `a ${type} application has no user and cannot use ${unusable.join(', ')}`,
    );
  }
  return requested.join(' ');
}

/** A URL the app gives about itself, checked for scheme and length; undefined when absent. */
function optionalUrl(
  label: string,
  value: string | undefined,
  schemes: string[],
  problems: string[],
): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) {
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol) || trimmed.length > 2000 || url.username) {
    problems.push(
      `${label} ${trimmed.slice(0, 100)}: must be an absolute ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL of at most 2000 characters`,
    );
    return undefined;
  }
  return url.href;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
