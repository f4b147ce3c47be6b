import type { Logger } from '@nestjs/common';
import {
  recordingViews,
  RESOURCE_SERVER,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { UNAVAILABLE_DESCRIPTION } from '../../../common/database-unavailable.js';
import type { KoaContextWithOIDC } from '../engine.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { databaseOutage, rememberOutage } from './database-outage.js';

/** What better-sqlite3 throws when another process holds the lock past the busy timeout. */
function busy(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

describe('databaseOutage, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  const { views, pages } = recordingViews();
  const warnings: string[] = [];
  const logger = { warn: (line: string) => warnings.push(line) } as unknown as Logger;
  /** What the engine announced as `server_error`s. */
  const announced: unknown[] = [];
  /** Thrown by a middleware inside the correction, after the engine answered. */
  let throwAfter: Error | undefined;

  beforeAll(async () => {
    under = await startEngine({
      corrections: [
        databaseOutage({ views, logger }),
        async (_ctx, next) => {
          await next();
          if (throwAfter) {
            throw throwAfter;
          }
        },
      ],
    });
    under.engine.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
      announced.push(error);
      rememberOutage(ctx, error);
    });
  });
  afterAll(() => under.close());
  beforeEach(() => {
    warnings.length = 0;
    announced.length = 0;
    throwAfter = undefined;
  });

  /** Runs `during` while `method` of the adapter of `model` fails. */
  async function withFailing<T>(
    model: 'AccessToken' | 'Interaction',
    method: 'find' | 'upsert',
    during: () => Promise<T>,
  ): Promise<T> {
    const adapter = under.engine[model].adapter as unknown as Record<string, unknown>;
    const original = adapter[method];
    adapter[method] = () => Promise.reject(busy());
    try {
      return await during();
    } finally {
      adapter[method] = original;
    }
  }

  it('the engine answers what its adapter throws 500 server_error, and announces the error', async () => {
    const response = await withFailing('AccessToken', 'find', () =>
      under.request(PROVIDER_ROUTES.introspection, {
        basic: RESOURCE_SERVER,
        form: { token: 'opaque' },
      }),
    );
    expect(under.lastAnswer()).toMatchObject({
      status: 500,
      body: { error: 'server_error' },
    });
    expect(announced).toEqual([expect.objectContaining({ code: 'SQLITE_BUSY' })]);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.json).toEqual({
      error: 'temporarily_unavailable',
      error_description: UNAVAILABLE_DESCRIPTION,
    });
    expect(warnings).toEqual([
      expect.stringContaining(`POST ${PROVIDER_ROUTES.introspection} (SQLITE_BUSY`),
    ]);
  });

  it('a browser gets a page', async () => {
    const response = await withFailing('Interaction', 'upsert', () =>
      under.request(
        `${PROVIDER_ROUTES.authorization}?client_id=${WEB.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(WEB.redirectUri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      ),
    );
    expect(announced).toEqual([expect.objectContaining({ code: 'SQLITE_BUSY' })]);
    expect(response.status).toBe(503);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(pages.at(-1)).toEqual({
      template: 'error',
      data: {
        title: 'Temporarily unavailable',
        message: UNAVAILABLE_DESCRIPTION,
        code: 'temporarily_unavailable',
      },
    });
  });

  it('what is thrown after the engine answered is answered the same', async () => {
    throwAfter = busy();
    const response = await under.request('/.well-known/openid-configuration');
    expect(response.status).toBe(503);
    expect(warnings).toHaveLength(1);
  });

  it('anything else is not its business', async () => {
    // Koa would log the error it answers 500.
    under.engine.silent = true;
    throwAfter = new Error('a bug');
    const response = await under.request('/.well-known/openid-configuration');
    expect(response.status).toBe(500);
    expect(warnings).toEqual([]);
  });
});
