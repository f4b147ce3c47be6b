import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userApiTokens } from '../support/api.js';
import { TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';

/**
 * A server for an app's page, on the loopback like the app under test (as in development):
 * Chromium keeps pages of public origins from loopback servers altogether (Local Network Access).
 */
async function pageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>app</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * A single-page app on its own origin calling the Drive and the MCP server in Chromium (issue 13):
 * the browser's own CORS checks, preflight included, let the registered origin read the answers
 * (and the challenge), and keep them from any other origin.
 */
describe('a browser app on its own origin', () => {
  const browser = useBrowser();
  const setup = useTestApp();
  let token: string;
  let spaPage: { origin: string; server: Server };
  let otherPage: { origin: string; server: Server };

  beforeAll(async () => {
    const { app, user } = setup;
    [spaPage, otherPage] = await Promise.all([pageServer(), pageServer()]);
    const spa = await app.createClient({
      type: 'spa',
      redirectUris: [`${spaPage.origin}/callback`],
    });
    token = (await userApiTokens(app, user, 'drive.read drive.write', spa)).accessToken;
  });

  afterAll(async () => {
    for (const { server } of [spaPage, otherPage]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** Runs fetch calls in a page of `origin`, as that app's script would. */
  async function fromPage(origin: string) {
    const { app } = setup;
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    return page.evaluate(
      async ({ base, token }) => {
        const attempt = async (path: string, init: RequestInit) => {
          try {
            const response = await fetch(`${base}${path}`, init);
            return {
              status: response.status,
              challenge: response.headers.get('www-authenticate'),
              body: await response.text(),
            };
          } catch (error) {
            return { error: String(error) };
          }
        };
        return {
          create: await attempt('/api/drive/files', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'from-the-browser.txt', content: 'hi' }),
          }),
          list: await attempt('/api/drive/files', {
            headers: { authorization: `Bearer ${token}` },
          }),
          mcp: await attempt('/mcp', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
          }),
        };
      },
      { base: app.issuer, token },
    );
  }

  it(
    'the registered origin calls the API and reads the MCP challenge',
    async () => {
      const { app } = setup;
      const answers = await fromPage(spaPage.origin);
      expect(answers.create).toEqual(expect.objectContaining({ status: 201 }));
      expect(answers.list).toEqual(expect.objectContaining({ status: 200 }));
      expect(JSON.parse((answers.list as { body: string }).body)).toEqual({
        files: [expect.objectContaining({ name: 'from-the-browser.txt' })],
      });
      expect(answers.mcp).toEqual(
        expect.objectContaining({
          status: 401,
          challenge: `Bearer realm="gatehouse", resource_metadata="${app.issuer}/.well-known/oauth-protected-resource/mcp"`,
        }),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    'another origin reads nothing: the browser blocks every call',
    async () => {
      const answers = await fromPage(otherPage.origin);
      expect(answers).toEqual({
        create: { error: 'TypeError: Failed to fetch' },
        list: { error: 'TypeError: Failed to fetch' },
        mcp: { error: 'TypeError: Failed to fetch' },
      });
    },
    TEST_TIMEOUT,
  );
});
