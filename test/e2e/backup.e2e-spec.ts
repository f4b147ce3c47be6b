import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { UsersService } from '../../src/identity/users.service.js';
import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { buildCli, type CliRun } from '../support/cli.js';
import { discover, oidc } from '../support/oauth-client.js';
import { TestApp } from '../support/test-app.js';

const OUT_DIR = 'dist/e2e-backup';

/** better-sqlite3 (it ships no types): the part this spec uses to check a copy. */
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean },
) => { pragma(source: string, options: { simple: true }): unknown; close(): void };
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** The built CLI in its own process, without blocking this one (the server keeps serving). */
function runCliAsync(args: string[], env: Readonly<Record<string, string>>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${OUT_DIR}/src/cli/main.js`, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('db:backup', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    buildCli(OUT_DIR);
    // Opaque tokens: every token request writes a row, so the load below writes all along.
    app = await TestApp.start({ ACCESS_TOKEN_FORMAT: 'opaque' });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-backup-'));
  }, 120_000);

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  (onPostgres ? it.skip : it)(
    'copies the database while the server writes, into a file a server starts from',
    async () => {
      const user = await app.createUser({ email: 'backed-up@example.com' });
      const client = await app.createClient({ type: 'service', scope: 'drive.read' });
      const config = await discover(app, client);
      // A bounded load of writes (token issuance) running while the backup is taken.
      let issued = 0;
      const load = (async () => {
        for (let i = 0; i < 150; i += 1) {
          await oidc.clientCredentialsGrant(config, { scope: 'drive.read' });
          issued += 1;
        }
      })();
      const file = join(dir, 'gatehouse-backup.sqlite');
      const run = await runCliAsync(['db:backup', file, '--json'], app.environment);
      await load;

      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ file, bytes: expect.any(Number) });
      expect(issued).toBe(150);
      const copy = new Database(file, { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      copy.close();

      // Restoring is starting a server on the copy: the user and the application are there.
      const restored = await TestApp.start({ DATABASE_URL: `sqlite:${file}` });
      try {
        const users = restored.app.get(UsersService);
        expect((await users.authenticate(user.email, user.password))?.id).toBe(user.id);
        expect((await restored.app.get(ClientsService).find(client.clientId))?.type).toBe(
          'service',
        );
        const restoredConfig = await discover(restored, client);
        const tokens = await oidc.clientCredentialsGrant(restoredConfig, { scope: 'drive.read' });
        expect(tokens.access_token).toEqual(expect.any(String));
      } finally {
        await restored.close();
      }
    },
  );

  (onPostgres ? it.skip : it)('refuses to overwrite a file', async () => {
    const file = join(dir, 'gatehouse-backup.sqlite');
    expect(existsSync(file)).toBe(true);
    const run = await runCliAsync(['db:backup', file], app.environment);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`error: ${file} already exists: back up into a new file\n`);
  });

  (onPostgres ? it : it.skip)('on PostgreSQL, says to use pg_dump', async () => {
    const run = await runCliAsync(['db:backup', join(dir, 'x.sqlite')], app.environment);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'error: db:backup copies the embedded SQLite database; back PostgreSQL up with pg_dump (README, "Operating Gatehouse")\n',
    );
  });
});
