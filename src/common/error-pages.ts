/**
 * What an error page says: a title and plain-language text per case, a next step the reader can
 * take, and — for developers, collapsed — the OAuth error code and the protocol's own text.
 * Used by every error page, whether Nest renders it (http-error.filter.ts) or oidc-provider
 * does (oauth/provider/corrections/error-page.ts).
 */
export interface PageLink {
  url: string;
  label: string;
}

export interface ErrorPage {
  title: string;
  message: string;
  /** The OAuth-style error code (RFC 6749 §4.1.2.1, §5.2), under "Details". */
  code?: string;
  /** Protocol text for developers (an `error_description`), under "Details". */
  detail?: string;
  /** Next steps, the first one the main one. */
  links?: PageLink[];
}

/**
 * An HttpException's response may carry the page to show instead of the default one for its
 * status: `throw new ForbiddenException(pageError({...}))`.
 */
export interface PageErrorResponse {
  message: string;
  page: Omit<ErrorPage, 'message'>;
}

export function pageError(page: ErrorPage): PageErrorResponse {
  const { message, ...rest } = page;
  return { message, page: rest };
}

export const HOME_LINK: PageLink = { url: '/', label: 'Go to the home page' };
export const ACCOUNT_LINK: PageLink = { url: '/account', label: 'Go to your account' };

/** The page for a status when nothing more specific is known. */
export function defaultErrorPage(status: number, code: string, message: string): ErrorPage {
  switch (status) {
    case 401:
      return {
        title: 'You are signed out',
        message,
        code,
        links: [{ url: '/account', label: 'Sign in again' }],
      };
    case 403:
      return { title: 'Access denied', message, code, links: [ACCOUNT_LINK, HOME_LINK] };
    case 404:
      return {
        title: 'Page not found',
        message: 'There is nothing at this address. Check the link, or start from the home page.',
        code,
        detail: message,
        links: [HOME_LINK],
      };
    case 429:
      return {
        title: 'Too many attempts',
        message,
        code,
        links: [HOME_LINK],
      };
    case 503:
      return { title: 'Temporarily unavailable', message, code, links: [HOME_LINK] };
    default:
      return status >= 500
        ? { title: 'Something went wrong', message, code, links: [HOME_LINK] }
        : {
            title: 'This request cannot be completed',
            message,
            code,
            links: [HOME_LINK],
          };
  }
}
