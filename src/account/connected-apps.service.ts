import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { NotFoundError, UserInputError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ClientsService } from '../oauth/clients/clients.service.js';
import { GrantUsage } from '../tokens/grant-usage.service.js';
import { GrantsService } from '../oauth/grants/grants.service.js';
import { removeGrantedScope, type Engine } from '../oauth/provider/engine.js';
import { OIDC_PROVIDER } from '../oauth/provider/oidc-provider.token.js';
import { resourceIndicators } from '../tokens/resources.js';
import { API_SCOPES, describeScope, type Scope } from '../tokens/scopes.js';

export interface GrantedScope {
  name: string;
  description: string;
  /** Whether the user may take this one back on its own (see {@link ConnectedApps.removeScope}). */
  removable: boolean;
}

/** An application as its user sees it on /account/apps. */
export interface ConnectedApp {
  clientId: string;
  name: string;
  logoUri: string | null;
  homepage: string | null;
  scopes: GrantedScope[];
  /** When the user first allowed it. */
  authorizedAt: Date;
  /** When it last got a token for the user or used one on the API; undefined if never. */
  lastUsedAt?: Date;
}

/**
 * A user's connected applications: what each may do, since when, when it last acted, and the
 * two ways to take it back — all of it (revoke) or one scope (incremental de-authorization).
 */
@Injectable()
export class ConnectedApps {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly grants: GrantsService,
    private readonly usage: GrantUsage,
    private readonly clients: ClientsService,
    private readonly audit: AuditLog,
  ) {}

  /** Most recently used first; apps never used after the authorization sort by that. */
  async list(accountId: string): Promise<ConnectedApp[]> {
    const grants = await this.grants.listForAccount(accountId);
    const lastUsed = await this.usage.lastUsed(grants.map((grant) => grant.grantKey));
    const byClient = new Map<
      string,
      { scopes: Set<string>; authorizedAt: number; lastUsedAt: number }
    >();
    for (const grant of grants) {
      const app = byClient.get(grant.clientId) ?? {
        scopes: new Set<string>(),
        authorizedAt: grant.issuedAt,
        lastUsedAt: 0,
      };
      grant.scopes.forEach((scope) => app.scopes.add(scope));
      app.authorizedAt = Math.min(app.authorizedAt, grant.issuedAt);
      app.lastUsedAt = Math.max(app.lastUsedAt, lastUsed.get(grant.grantKey) ?? 0);
      byClient.set(grant.clientId, app);
    }
    const apps: ConnectedApp[] = [];
    for (const [clientId, granted] of byClient) {
      const client = await this.clients.find(clientId);
      if (!client) {
        continue;
      }
      const scopes = [...granted.scopes];
      apps.push({
        clientId,
        name: client.name,
        logoUri: client.logoUri,
        homepage: client.clientUri,
        scopes: scopes.map((name) => ({
          name,
          description: describeScope(name),
          removable: client.allowScopeRemoval && isRemovable(name, scopes),
        })),
        authorizedAt: new Date(granted.authorizedAt),
        ...(granted.lastUsedAt ? { lastUsedAt: new Date(granted.lastUsedAt) } : {}),
      });
    }
    return apps.sort(
      (a, b) =>
        (b.lastUsedAt ?? b.authorizedAt).getTime() - (a.lastUsedAt ?? a.authorizedAt).getTime(),
    );
  }

  /** Takes back everything the user allowed the app (see GrantsService.revokeApp). */
  async revoke(accountId: string, clientId: string, actor: Actor): Promise<void> {
    if ((await this.grants.revokeApp(accountId, clientId, actor)) === 0) {
      throw new NotFoundError('That application has no access to your account');
    }
  }

  /**
   * Takes one scope back from an app and keeps the rest: the grant no longer holds it, so no
   * new token carries it, and the access tokens already issued (which do) are revoked at once;
   * the app's refresh token then yields tokens without it (oidc-provider filters refreshed
   * scopes by the grant). `openid`, an app's only scope, and apps registered without scope
   * removal are refused: those need a full revoke.
   */
  async removeScope(
    accountId: string,
    clientId: string,
    scope: string,
    actor: Actor,
  ): Promise<void> {
    const app = (await this.list(accountId)).find((candidate) => candidate.clientId === clientId);
    if (!app) {
      throw new NotFoundError('That application has no access to your account');
    }
    const granted = app.scopes.find((candidate) => candidate.name === scope);
    if (!granted) {
      throw new UserInputError(`${app.name} does not have the scope ${scope}`);
    }
    if (!granted.removable) {
      throw new UserInputError(
        `${scope} cannot be taken back on its own from ${app.name}; revoke its access instead`,
      );
    }
    // An API scope may be held for several resources (the API, the MCP server): from each.
    const resources = (API_SCOPES as string[]).includes(scope)
      ? resourceIndicators(this.config.issuer)
      : [undefined];
    for (const { grantId, clientId: grantClient } of await this.grants.listForAccount(accountId)) {
      if (grantClient !== clientId) {
        continue;
      }
      const grant = await this.provider.Grant.find(grantId);
      if (!grant) {
        continue;
      }
      for (const resource of resources) {
        removeGrantedScope(grant, scope, resource);
      }
      await grant.save();
      // Deletes the grant's opaque access tokens and refuses its JWTs issued until now.
      await this.provider.AccessToken.revokeByGrantId(grantId);
    }
    await this.audit.record({
      event: 'grant.scope_removed',
      outcome: 'success',
      actor,
      clientId,
      details: { account_id: accountId, scope },
    });
  }
}

/**
 * `openid` is what the app signs the user in with, and an app's last scope is its whole
 * authorization: neither is taken back on its own.
 */
function isRemovable(scope: string, granted: string[]): boolean {
  return scope !== ('openid' satisfies Scope) && granted.length > 1;
}
