import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { RevocationList } from './revocation-list.js';

/** The revocation list on a real SQLite file; two lists on one file are two processes. */
describe('RevocationList', () => {
  let dir: string;
  let ds: DataSource;
  const config = loadConfig({});
  let here: RevocationList;
  let elsewhere: RevocationList;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-revocations-'));
    ds = new DataSource(
      dataSourceOptions({ type: 'better-sqlite3', path: join(dir, 'revocations.sqlite') }),
    );
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await ds.query('DELETE FROM revocations');
    here = new RevocationList(ds, config);
    elsewhere = new RevocationList(ds, config);
    await Promise.all([here.sync(), elsewhere.sync()]);
  });

  const second = (ms: number) => Math.floor(ms / 1000) * 1000;

  it('knows nothing to begin with', () => {
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g', jti: 'j', issuedAt: Date.now() })).toBe(
      false,
    );
  });

  it('a revoked grant refuses tokens issued before, and in the same second as, the revocation', async () => {
    const before = Date.now() - 5000;
    const justBefore = Date.now();
    await here.revoke('grant', 'g1');
    const revokedAt = Date.now();
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: before })).toBe(true);
    // iat has one-second resolution: same second as the revocation counts as before it.
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: second(revokedAt) })).toBe(
      true,
    );
    // Known to the millisecond (iat_ms): issued after the revocation is fine, at it is not.
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: revokedAt + 1 })).toBe(false);
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: justBefore })).toBe(true);
    // A token of the same grant issued in a later second (a new authorization) is fine.
    expect(
      here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: second(revokedAt) + 1000 }),
    ).toBe(false);
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g2', issuedAt: before })).toBe(false);
  });

  it('a revoked client refuses all its tokens issued until then, whatever their grant', async () => {
    await here.revoke('client', 'app');
    const token = { clientId: 'app', issuedAt: Date.now() - 1000 };
    expect(here.isRevoked(token)).toBe(true);
    expect(here.isRevoked({ ...token, grantKey: 'any' })).toBe(true);
    expect(here.isRevoked({ ...token, clientId: 'other-app' })).toBe(false);
  });

  it("a revoked client refuses the tokens exchanged from its users' tokens (grantClientId)", async () => {
    await here.revoke('client', 'web-app');
    const exchanged = {
      clientId: 'service',
      grantClientId: 'web-app',
      issuedAt: Date.now() - 1000,
    };
    expect(here.isRevoked(exchanged)).toBe(true);
    expect(here.isRevoked({ ...exchanged, grantClientId: 'another-app' })).toBe(false);
  });

  it('a revoked token (jti) is refused whenever it was issued', async () => {
    await here.revoke('token', 'jti-1', Date.now() + 60_000);
    expect(here.isRevoked({ clientId: 'c', jti: 'jti-1', issuedAt: Date.now() + 10_000 })).toBe(
      true,
    );
    expect(here.isRevoked({ clientId: 'c', jti: 'jti-2', issuedAt: 0 })).toBe(false);
  });

  it('another process learns of a revocation on its next sync, not before', async () => {
    await here.revoke('grant', 'g1');
    const token = { clientId: 'c', grantKey: 'g1', issuedAt: Date.now() - 1000 };
    expect(elsewhere.isRevoked(token)).toBe(false);
    await elsewhere.sync();
    expect(elsewhere.isRevoked(token)).toBe(true);
  });

  it('a process that starts later loads what is still in force', async () => {
    await here.revoke('client', 'app');
    const started = new RevocationList(ds, config);
    await started.sync();
    expect(started.isRevoked({ clientId: 'app', issuedAt: Date.now() - 1000 })).toBe(true);
  });

  it('forgets an entry once no token it covers can still be valid', async () => {
    await here.revoke('token', 'short-lived', Date.now() + 50);
    expect(here.isRevoked({ clientId: 'c', jti: 'short-lived', issuedAt: 0 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await here.sync();
    expect(here.isRevoked({ clientId: 'c', jti: 'short-lived', issuedAt: 0 })).toBe(false);
    const started = new RevocationList(ds, config);
    await started.sync();
    expect(started.isRevoked({ clientId: 'c', jti: 'short-lived', issuedAt: 0 })).toBe(false);
  });

  it('by default keeps a grant or client entry for one access token lifetime plus clock skew', async () => {
    const before = Date.now();
    await here.revoke('grant', 'g1');
    const [row] = await ds.query<{ revoked_at: number; expires_at: number }[]>(
      "SELECT revoked_at, expires_at FROM revocations WHERE key = 'g1'",
    );
    expect(row.revoked_at).toBeGreaterThanOrEqual(before);
    expect(row.expires_at - row.revoked_at).toBe(config.ttl.accessToken * 1000 + 60_000);
  });

  it('a later revocation of the same grant moves its time forward (another process too)', async () => {
    await here.revoke('grant', 'g1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const between = Date.now();
    await elsewhere.revoke('grant', 'g1');
    await here.sync();
    expect(here.isRevoked({ clientId: 'c', grantKey: 'g1', issuedAt: second(between) })).toBe(true);
  });
});
