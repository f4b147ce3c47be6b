import type { ViewsService } from '../../../common/views.service.js';
import { renderCodePage } from '../device-pages.js';
import type { KoaContextWithOIDC } from '../engine.js';

/**
 * Restores RFC 8628 §3.3.1 and §5.4: `verification_uri_complete` opens the code page with the
 * code filled in, for the person to check against the device and confirm. oidc-provider answers
 * it 200 with a page that submits the code at once, with inline script (which our CSP forbids).
 */
export function prefillUserCode(ctx: KoaContextWithOIDC, views: ViewsService): void {
  if (ctx.oidc.route !== 'code_verification' || ctx.method !== 'GET' || ctx.status !== 200) {
    return;
  }
  const userCode = ctx.oidc.params?.user_code;
  const secret = (ctx.oidc.session?.state as { secret?: string } | undefined)?.secret;
  if (typeof userCode !== 'string' || !userCode || !secret) {
    return;
  }
  renderCodePage(ctx, views, {
    action: ctx.oidc.urlFor('code_verification'),
    xsrf: secret,
    userCode: userCode.slice(0, 32),
    status: 200,
  });
}
