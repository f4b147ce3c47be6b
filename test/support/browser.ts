import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, as the machine provides it (`npx playwright install` does not work here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Every Playwright action and navigation gives up after this long instead of hanging. */
export const ACTION_TIMEOUT = 15_000;
/** Per test: a browser flow takes 1-3 s here; this bounds a hang, not the normal case. */
export const TEST_TIMEOUT = 60_000;

/** Chromium with a fresh temporary user-data dir (removed on close). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * A new, cookie-less browser context (one user agent) with bounded timeouts, remembered in
 * `contexts` for closing. Requests to `fakeOrigins` (clients' hosts that do not exist) are
 * answered with a plain 200 so that navigation to a callback ends cleanly.
 */
export async function newPage(
  browser: Browser,
  contexts: BrowserContext[],
  options: { javaScriptEnabled?: boolean; fakeOrigins?: string[] } = {},
): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled });
  contexts.push(context);
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT);
  for (const origin of options.fakeOrigins ?? []) {
    await context.route(`${origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }),
    );
  }
  return context.newPage();
}

/** The page's level-1 heading, once it is there. */
export async function heading(page: Page): Promise<string> {
  const h1 = page.getByRole('heading', { level: 1 });
  await h1.waitFor();
  return (await h1.textContent())?.trim() ?? '';
}

export interface PageOptions {
  javaScriptEnabled?: boolean;
}

/** What `useBrowser` gives a describe block. */
export interface BrowserSetup {
  /** A page in a new, cookie-less context (see `newPage`), closed with the browser. */
  newPage(options?: PageOptions): Promise<Page>;
}

/**
 * Chromium for one describe block: launched in a `beforeAll`, closed with every context its
 * pages opened in an `afterAll`. Call it before `useTestApp`, so that the browser (and its
 * connections) is gone before the app closes. `fakeOrigins` goes to every page (see `newPage`).
 */
export function useBrowser(options: { fakeOrigins?: string[] } = {}): BrowserSetup {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await browser?.close();
  }, 30_000);

  return {
    newPage(pageOptions: PageOptions = {}): Promise<Page> {
      if (!browser) {
        throw new Error('useBrowser: a page was asked for before its beforeAll ran');
      }
      return newPage(browser, contexts, { ...pageOptions, fakeOrigins: options.fakeOrigins });
    },
  };
}
