import {
  ACCOUNT_LINK,
  HOME_LINK,
  type ErrorPage,
  type PageLink,
} from '../../../common/error-pages.js';
import type { ViewsService } from '../../../common/views.service.js';
import type { Configuration, KoaContextWithOIDC } from '../engine.js';
import { ACCOUNT_CLIENT_ID } from '../first-party-clients.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { ENGINE_NAMES } from './engine-text.js';

/**
 * The engine's error page (`renderError`), for the errors it cannot send back to the client:
 * RFC 6749 §4.1.2.1 has the server "inform the resource owner of the error" and never redirect
 * to a redirect URI it could not verify. Ours is rendered like every other page (no inline
 * style or script, which our CSP forbids and the engine's default page has), says in plain
 * words what happened and what to do, and keeps the protocol's text (the OAuth error code and
 * `error_description`) under "Details for developers". A `server_error` shows no detail. It is
 * logged once, by the engine's `server_error` listener (see provider.factory.ts).
 */
export function errorPage(views: ViewsService): NonNullable<Configuration['renderError']> {
  return (ctx, out, error) => {
    ctx.type = 'html';
    ctx.body = views.render('error', {
      ...describeEngineError(ctx, out, error),
    });
  };
}

export function describeEngineError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
  error?: unknown,
): ErrorPage {
  const code = out.error;
  const detail = out.error_description;
  const app = applicationOf(ctx);
  const appName = app?.name ?? 'the application';
  // The one way back to the application that is known to be its own: the homepage its
  // administrator registered. A redirect URI that failed the check is never offered.
  const back: PageLink[] = app?.homepage
    ? [{ url: app.homepage, label: `Back to ${app.name}` }]
    : [];
  if (code === 'server_error') {
    return {
      title: 'Something went wrong',
      message: 'The server could not complete the request. Please try again later.',
      code,
      links: [...back, HOME_LINK],
    };
  }
  if (code === 'invalid_client') {
    return {
      title: 'Unknown application',
      message:
        'The application that sent you here is not registered, so you cannot sign in to it from here. Go back to it and try again; if this keeps happening, tell its developers.',
      code,
      detail,
      links: [ACCOUNT_LINK],
    };
  }
  if (code === 'invalid_redirect_uri') {
    return {
      title: 'Redirect not registered',
      message: `${capitalise(appName)} asked to send you back to an address that is not registered for it, so the sign-in was stopped to protect your account. Nothing was shared. Tell the application's developers.`,
      code,
      detail,
      links: [...back, ACCOUNT_LINK],
    };
  }
  if (code === 'access_denied') {
    return {
      title: 'Access denied',
      message: `You cannot use ${appName} with this account.`,
      code,
      detail,
      links: [...back, ACCOUNT_LINK],
    };
  }
  const route = String(ctx.oidc?.route ?? '');
  if (route === 'end_session_confirm') {
    return {
      title: 'Sign-out not completed',
      message:
        'This sign-out page was open too long or was used in another tab, so nothing happened. You may still be signed in: sign out again.',
      code,
      detail,
      links: [{ url: PROVIDER_ROUTES.end_session, label: 'Sign out again' }, ACCOUNT_LINK],
    };
  }
  if ((error as { name?: unknown } | undefined)?.name === ENGINE_NAMES.sessionNotFound) {
    return {
      title: 'Your sign-in expired',
      message:
        'This sign-in was open too long or was finished in another tab. Go back to the application and sign in again.',
      code,
      detail,
      links: [...back, ACCOUNT_LINK],
    };
  }
  return {
    title: 'The request cannot be completed',
    message: `${capitalise(appName)} sent a request that cannot be accepted, so nothing happened. Go back to it and try again; if this keeps happening, tell its developers.`,
    code,
    detail,
    links: [...back, ACCOUNT_LINK],
  };
}

/** The registered application the request came from (not Gatehouse's own pages). */
function applicationOf(ctx: KoaContextWithOIDC): { name: string; homepage?: string } | undefined {
  const client = ctx.oidc?.client;
  if (!client || client.clientId === ACCOUNT_CLIENT_ID) {
    return undefined;
  }
  const homepage =
    typeof client.clientUri === 'string' && /^https:\/\//.test(client.clientUri)
      ? client.clientUri
      : undefined;
  return { name: client.clientName ?? client.clientId, homepage };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
