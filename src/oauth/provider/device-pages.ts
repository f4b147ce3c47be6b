import type { ViewsService } from '../../common/views.service.js';
import { codePageAfter } from './corrections/device-code-errors.js';
import type { KoaContextWithOIDC } from './engine.js';
import { ACCOUNT_CLIENT_ID } from './first-party-clients.js';
import { describeScope } from '../../tokens/scopes.js';

/**
 * The pages of the device flow (RFC 8628 §3.3) that oidc-provider asks its configuration for:
 * enter the code, confirm the device, done. Ours, rendered like every other page: labelled
 * fields, no script, the same CSP. Sign-in and consent in between are the usual pages.
 */

/** Set on the context when a typed code matched nothing: the brute-force throttle counts it. */
export const WRONG_USER_CODE = 'gatehouseWrongUserCode';

export function devicePages(views: ViewsService) {
  const form = (ctx: KoaContextWithOIDC) => ({
    action: ctx.oidc.urlFor('code_verification'),
    xsrf: (ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? '',
  });

  return {
    /** The code entry page; shown again, with the reason, after a wrong or stale code. */
    userCodeInputSource(
      ctx: KoaContextWithOIDC,
      _form: string,
      _out?: unknown,
      err?: Error & { userCode?: string },
    ) {
      const page = codePageAfter(err);
      if (page.wrongCode) {
        ctx.state[WRONG_USER_CODE] = true;
      }
      renderCodePage(ctx, views, {
        ...form(ctx),
        userCode: page.userCode,
        error: page.error,
        notice: page.notice,
        status: page.status,
      });
    },

    /** Which app the code belongs to and what it asks for; Continue leads to sign-in/consent. */
    userCodeConfirmSource(
      ctx: KoaContextWithOIDC,
      _form: string,
      client: { clientId: string; clientName?: string },
      _deviceInfo: unknown,
      userCode: string,
    ) {
      const scope = (ctx.oidc.entities.DeviceCode?.params as { scope?: unknown } | undefined)
        ?.scope;
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = views.render('device-confirm', {
        ...form(ctx),
        userCode,
        clientName: client.clientName ?? client.clientId,
        scopes: scopes.map((name) => ({ name, description: describeScope(name) })),
      });
    },

    successSource(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = views.render('device-done', {
        clientName:
          client && client.clientId !== ACCOUNT_CLIENT_ID
            ? (client.clientName ?? client.clientId)
            : undefined,
      });
    },
  };
}

export function renderCodePage(
  ctx: KoaContextWithOIDC,
  views: ViewsService,
  page: {
    action: string;
    xsrf: string;
    userCode: string;
    error?: string;
    notice?: string;
    /** Too many wrong codes: the page says so and offers no form. */
    blocked?: boolean;
    status: number;
  },
): void {
  ctx.status = page.status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = views.render('device', page);
}
