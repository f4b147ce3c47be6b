import { DataSource } from 'typeorm';
import { useTestApp } from '../support/e2e.js';

/** Liveness and readiness, as an orchestrator probes them (Kubernetes, systemd, a proxy). */
describe('GET /health/live and /health/ready', () => {
  const setup = useTestApp({ user: false });

  const get = async (path: string) => {
    const response = await fetch(setup.app.url(path));
    return {
      status: response.status,
      cacheControl: response.headers.get('cache-control'),
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  it('live: 200 whenever the process answers', async () => {
    expect(await get('/health/live')).toEqual({
      status: 200,
      cacheControl: 'no-store',
      retryAfter: null,
      body: { status: 'ok' },
    });
  });

  it('ready: 200 naming the database, the keys and the schema', async () => {
    const ready = await get('/health/ready');
    expect(ready).toMatchObject({ status: 200, cacheControl: 'no-store', retryAfter: null });
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up' },
        keys: { status: 'up', signing: 2 },
        migrations: { status: 'up' },
      },
      error: {},
    });
  });

  it('ready: 503 with Retry-After while a migration this version knows is not applied', async () => {
    const dataSource = setup.app.app.get(DataSource);
    const [last] = await dataSource.query<{ id: number; timestamp: number; name: string }[]>(
      'SELECT "id", "timestamp", "name" FROM "migrations" ORDER BY "id" DESC LIMIT 1',
    );
    await dataSource.query(`DELETE FROM "migrations" WHERE "id" = ${Number(last.id)}`);
    try {
      const ready = await get('/health/ready');
      expect(ready).toMatchObject({ status: 503, retryAfter: '5' });
      expect(ready.body).toMatchObject({
        status: 'error',
        info: { database: { status: 'up' }, keys: { status: 'up' } },
        error: { migrations: { status: 'down', message: 'migrations are pending' } },
      });
      // Live all the same: restarting would not help.
      expect((await get('/health/live')).status).toBe(200);
    } finally {
      await dataSource.query(
        'INSERT INTO "migrations" ("id", "timestamp", "name") VALUES ($1, $2, $3)'.replace(
          /\$\d/g,
          dataSource.options.type === 'postgres' ? (m) => m : () => '?',
        ),
        [last.id, last.timestamp, last.name],
      );
    }
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('ready: 503 when the database is gone; live stays 200', async () => {
    const dataSource = setup.app.app.get(DataSource);
    await dataSource.destroy();
    try {
      const ready = await get('/health/ready');
      expect(ready).toMatchObject({ status: 503, retryAfter: '5' });
      expect(ready.body).toMatchObject({
        status: 'error',
        error: { database: { status: 'down' } },
      });
      expect((await get('/health/live')).status).toBe(200);
    } finally {
      await dataSource.initialize();
    }
  });
});
