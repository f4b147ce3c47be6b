import type { AuditLog } from '../../audit/audit-log.service.js';
import { ENGINE_TEXT } from './corrections/engine-text.js';
import type { Engine, KoaContextWithOIDC } from './engine.js';

/** Grant types whose success means tokens for a new authorization (not a refresh). */
const NEW_GRANT_TYPES = new Set([
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:device_code',
]);

/**
 * oidc-provider's detail for a replayed refresh token (the adapter's says the same, see
 * corrections/replay-is-invalid-grant.ts); the client only sees `grant request is invalid`.
 */
const REFRESH_REUSE = ENGINE_TEXT.replayed.RefreshToken;

/**
 * Records what oidc-provider does on its own into the audit trail: tokens issued for a new
 * authorization, a refresh token presented twice (RFC 9700 §4.14.2: the grant is revoked), and
 * grants revoked at the revocation endpoint or because of a replay. Never a token or code.
 */
export function auditProviderEvents(provider: Engine, audit: AuditLog): void {
  // oidc-provider announces events synchronously while it handles a request; the writes they
  // start are awaited before the response goes out, so a client never holds tokens whose
  // issuance is not yet on record.
  provider.use(async (ctx, next) => {
    await next();
    announceOpaqueAccessTokenRevocation(ctx as KoaContextWithOIDC);
    const pending = (ctx.state as { auditWrites?: Promise<void>[] }).auditWrites;
    if (pending) {
      await Promise.all(pending);
    }
  });
  const record = (ctx: KoaContextWithOIDC, entry: Parameters<AuditLog['record']>[0]) => {
    const state = ctx.state as { auditWrites?: Promise<void>[] };
    (state.auditWrites ??= []).push(audit.record(entry));
  };

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (typeof grantType !== 'string' || !NEW_GRANT_TYPES.has(grantType)) {
      return;
    }
    const code = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.DeviceCode;
    record(ctx, {
      event: 'token.issued',
      outcome: 'success',
      actor: { id: code?.accountId ?? ctx.oidc.client!.clientId, ip: ctx.ip },
      clientId: ctx.oidc.client?.clientId,
      details: { grant_type: grantType, scope: code?.scope },
    });
  });

  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error_detail?: string }) => {
    if (error.error_detail !== REFRESH_REUSE) {
      return;
    }
    const refreshToken = ctx.oidc.entities.RefreshToken;
    record(ctx, {
      event: 'refresh_token.reused',
      outcome: 'failure',
      actor: { id: ctx.oidc.client?.clientId ?? 'unknown', ip: ctx.ip },
      clientId: ctx.oidc.client?.clientId,
      details: { account_id: refreshToken?.accountId, reason: 'grant revoked' },
    });
  });

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC) => {
    (ctx.state as { grantRevokedAnnounced?: boolean }).grantRevokedAnnounced = true;
    const token =
      ctx.oidc.entities.RefreshToken ??
      ctx.oidc.entities.AccessToken ??
      ctx.oidc.entities.AuthorizationCode;
    record(ctx, {
      event: 'grant.revoked',
      outcome: 'success',
      actor: { id: ctx.oidc.client?.clientId ?? 'unknown', ip: ctx.ip },
      clientId: ctx.oidc.client?.clientId,
      details: {
        account_id: token?.accountId,
        reason: ctx.oidc.route === 'revocation' ? 'revocation_endpoint' : 'replay_detected',
      },
    });
  });
}

/**
 * An opaque access token revoked at the revocation endpoint takes every token of its grant with
 * it (oidc-provider's revoke helper), but the engine keeps the grant and announces nothing. A JWT
 * revoked there is announced as `grant.revoked` (corrections/self-encoded-token-revocation.ts);
 * announce the opaque one the same way, so the audit trail does not depend on the token format.
 */
function announceOpaqueAccessTokenRevocation(ctx: KoaContextWithOIDC): void {
  const state = ctx.state as { grantRevokedAnnounced?: boolean };
  const token = ctx.oidc?.entities.AccessToken;
  if (ctx.oidc?.route !== 'revocation' || !token?.grantId || state.grantRevokedAnnounced) {
    return;
  }
  ctx.oidc.provider.emit('grant.revoked', ctx, token.grantId);
}
