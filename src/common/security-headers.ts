/**
 * One Content-Security-Policy for every page we serve, whether Nest renders it (helmet) or
 * oidc-provider does (error and logout pages). Pages are server-rendered without script, and
 * nothing may frame them: clickjacking the consent page would be an authorization bypass.
 * There is deliberately no form-action: the consent and logout forms end in a redirect to the
 * application, and browsers check those redirects against form-action too.
 */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

export function cspHeaderValue(): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(
      ([name, values]) =>
        `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`,
    )
    .join('; ');
}

/** The headers helmet would add, for responses written outside Fastify (oidc-provider's). */
export function pageSecurityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': cspHeaderValue(),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
