interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface Visit {
  status: number;
  /** The URL of the final response. */
  url: string;
  /** When the chain ended in a redirect leaving the server (e.g. to a client's callback). */
  location?: string;
  headers: Headers;
  body: string;
}

/**
 * A browser without a browser: a cookie jar plus manual redirect following, enough to drive the
 * sign-in and consent pages over plain HTTP in e2e tests. Redirects within `origin` are
 * followed; a redirect elsewhere (the client's redirect_uri) ends the visit.
 */
export class UserAgent {
  private cookies: StoredCookie[] = [];

  /** `userAgent`: the User-Agent header to send, as a given browser would. */
  constructor(
    private readonly origin: string,
    private readonly userAgent?: string,
  ) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<Visit> {
    return this.follow(url, { method: 'GET', headers });
  }

  /** A form post; `URLSearchParams` for fields that repeat (checkboxes). */
  async postForm(url: string, fields: Record<string, string> | URLSearchParams): Promise<Visit> {
    return this.follow(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** One request, no redirect following; cookies are sent and stored. */
  async raw(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target.pathname);
    if (cookie) {
      headers.set('cookie', cookie);
    }
    if (this.userAgent) {
      headers.set('user-agent', this.userAgent);
    }
    if (!headers.has('accept')) {
      headers.set('accept', 'text/html,application/xhtml+xml');
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(response.headers.getSetCookie(), target.pathname);
    return response;
  }

  cookieValue(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  cookieNames(): string[] {
    return this.cookies.map((c) => c.name);
  }

  setCookie(name: string, value: string, path = '/'): void {
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
    this.cookies.push({ name, value, path });
  }

  clearCookies(): void {
    this.cookies = [];
  }

  private async follow(url: string, init: RequestInit): Promise<Visit> {
    let current = new URL(url, this.origin).href;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      const response = await this.raw(current, request);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current);
        if (next.origin !== new URL(this.origin).origin) {
          await response.arrayBuffer();
          return {
            status: response.status,
            url: current,
            location: next.href,
            headers: response.headers,
            body: '',
          };
        }
        current = next.href;
        request = { method: 'GET' };
        await response.arrayBuffer();
        continue;
      }
      return {
        status: response.status,
        url: current,
        headers: response.headers,
        body: await response.text(),
      };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private cookieHeader(path: string): string {
    return this.cookies
      .filter(
        (c) =>
          path === c.path ||
          path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(setCookies: string[], requestPath: string): void {
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attrs = new Map(
        attributes.map((a) => {
          const i = a.indexOf('=');
          return i === -1 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const path = attrs.get('path') ?? requestPath.replace(/\/[^/]*$/, '') ?? '/';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      const expires = attrs.get('expires');
      const expired =
        attrs.get('max-age') === '0' ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      if (!expired) {
        this.cookies.push({ name, value, path: path || '/' });
      }
    }
  }
}

/** The value of a hidden form field on one of our pages. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!match) {
    throw new Error(`no hidden field ${name} in page:\n${html}`);
  }
  return match[1];
}

/** The action of the page's (first) form, or the formaction of the named button. */
export function formAction(html: string, button?: string): string {
  if (button) {
    const match = new RegExp(`formaction="([^"]+)"[^>]*>${button}<`).exec(html);
    if (match) {
      return decodeEntities(match[1]);
    }
  }
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match) {
    throw new Error(`no form in page:\n${html}`);
  }
  return decodeEntities(match[1]);
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
}
