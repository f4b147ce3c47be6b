import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type Repository } from 'typeorm';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { OidcPayloadStore } from '../../tokens/oidc-payload.store.js';
import { hashId } from '../../common/hash-id.js';
import { OidcPayloadEntity } from '../../tokens/oidc-payload.entity.js';
import type { OidcPayload } from './stored-payload.js';
import { ROW_REFERENCE, TypeOrmAdapter } from './typeorm.adapter.js';

interface RawRow {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  client_id: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

const START = 1_700_000_000_123;

describe('TypeOrmAdapter on SQLite', () => {
  let dir: string;
  let ds: DataSource;
  let repo: Repository<OidcPayloadEntity>;
  let fakeNow: number;

  const adapter = (kind: string) =>
    new TypeOrmAdapter(kind, new OidcPayloadStore(ds), {
      replayError: (k) => new Error('replay ' + k),
      now: () => fakeNow,
    });

  const rows = (): Promise<RawRow[]> =>
    ds.query('SELECT * FROM "oidc_payloads" ORDER BY "kind", "id"');

  const rowOf = async (kind: string, id: string): Promise<RawRow | undefined> => {
    const found: RawRow[] = await ds.query(
      'SELECT * FROM "oidc_payloads" WHERE "kind" = ? AND "id" = ?',
      [kind, hashId(id)],
    );
    return found[0];
  };

  /** The (kind, raw id) pairs still stored, as a readable list. */
  const remaining = async (ids: Record<string, [kind: string, id: string]>) => {
    const stored = new Set((await rows()).map((row) => `${row.kind}/${row.id}`));
    return Object.entries(ids)
      .filter(([, [kind, id]]) => stored.has(`${kind}/${hashId(id)}`))
      .map(([name]) => name)
      .sort();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-adapter-'));
    ds = new DataSource({
      ...dataSourceOptions({ type: 'better-sqlite3', path: join(dir, 'adapter.sqlite') }),
      entities: [OidcPayloadEntity],
    });
    await ds.initialize();
    await ds.runMigrations();
    repo = ds.getRepository(OidcPayloadEntity);
  });

  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    fakeNow = START;
    await repo.clear();
  });

  describe('upsert and find', () => {
    const id = 'AT-raw-token-value-0123456789';
    const payload: OidcPayload = {
      jti: id,
      kind: 'AccessToken',
      grantId: 'grant-1',
      accountId: 'account-1',
      clientId: 'client-1',
      scope: 'openid drive.read',
      iat: 1_700_000_000,
      exp: 1_700_000_600,
    };

    it('returns the stored payload with its jti restored', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      expect(await adapter('AccessToken').find(id)).toEqual(payload);
    });

    it('stores the SHA-256 of the id, and the id nowhere in the row', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      const all = await rows();
      expect(all).toHaveLength(1);
      const [row] = all;
      expect(row.kind).toBe('AccessToken');
      expect(row.id).toBe(hashId(id));
      expect(row.id).not.toContain(id);
      expect(row.payload).not.toContain(id);
      expect(JSON.stringify(row)).not.toContain(id);
      expect(JSON.parse(row.payload)).not.toHaveProperty('jti');
    });

    it('fills the lookup columns and the expiry in epoch milliseconds', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      expect(await rowOf('AccessToken', id)).toMatchObject({
        grant_id: 'grant-1',
        account_id: 'account-1',
        client_id: 'client-1',
        uid: null,
        user_code: null,
        expires_at: START + 600_000,
        consumed_at: null,
      });
    });

    it('does not store the session cookie an Interaction carries', async () => {
      const interaction: OidcPayload = {
        jti: 'interaction-id',
        kind: 'Interaction',
        session: { uid: 'session-uid', cookie: 'session-cookie-secret', accountId: 'a' },
      };
      await adapter('Interaction').upsert('interaction-id', interaction, 3600);
      const row = await rowOf('Interaction', 'interaction-id');
      expect(row?.payload).not.toContain('session-cookie-secret');
      expect((await adapter('Interaction').find('interaction-id'))?.session).toEqual({
        uid: 'session-uid',
        accountId: 'a',
      });
    });

    it('returns undefined for an id that was never stored', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      expect(await adapter('AccessToken').find('some-other-id')).toBeUndefined();
    });

    it('keeps each kind apart, even under the same id', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      expect(await adapter('RefreshToken').find(id)).toBeUndefined();
      await adapter('RefreshToken').upsert(id, { ...payload, kind: 'RefreshToken' }, 600);
      expect(await rows()).toHaveLength(2);
      expect((await adapter('AccessToken').find(id))?.kind).toBe('AccessToken');
      expect((await adapter('RefreshToken').find(id))?.kind).toBe('RefreshToken');
    });

    it('overwrites the payload and expiry when the same id is upserted again', async () => {
      await adapter('AccessToken').upsert(id, payload, 600);
      const updated = { ...payload, scope: 'openid', grantId: 'grant-2', extra: true };
      fakeNow = START + 1000;
      await adapter('AccessToken').upsert(id, updated, 60);
      expect(await rows()).toHaveLength(1);
      expect(await adapter('AccessToken').find(id)).toEqual(updated);
      expect(await rowOf('AccessToken', id)).toMatchObject({
        grant_id: 'grant-2',
        expires_at: START + 1000 + 60_000,
      });
    });
  });

  describe('expiry', () => {
    it('serves a row until the instant it expires, then no more', async () => {
      const a = adapter('AuthorizationCode');
      await a.upsert('code-1', { jti: 'code-1', grantId: 'g' }, 60);
      fakeNow = START + 60_000 - 1;
      expect(await a.find('code-1')).toEqual({ jti: 'code-1', grantId: 'g' });
      fakeNow = START + 60_000;
      expect(await a.find('code-1')).toBeUndefined();
      fakeNow = START + 3_600_000;
      expect(await a.find('code-1')).toBeUndefined();
    });

    it('treats expiresIn 0 as already expired, not as never', async () => {
      const a = adapter('Session');
      await a.upsert('dead-on-arrival', { jti: 'dead-on-arrival' }, 0);
      expect((await rowOf('Session', 'dead-on-arrival'))?.expires_at).toBe(START);
      expect(await a.find('dead-on-arrival')).toBeUndefined();
    });

    it('never expires a row stored without expiresIn', async () => {
      const a = adapter('Grant');
      await a.upsert('grant-forever', { jti: 'grant-forever' });
      expect((await rowOf('Grant', 'grant-forever'))?.expires_at).toBeNull();
      fakeNow = START + 100 * 365 * 86_400_000;
      expect(await a.find('grant-forever')).toEqual({ jti: 'grant-forever' });
    });
  });

  describe('findByUid', () => {
    const session: OidcPayload = {
      jti: 'session-cookie-id',
      kind: 'Session',
      uid: 'session-uid-42',
      accountId: 'account-1',
      loginTs: 1_700_000_000,
    };

    it('finds a row by its uid, which is stored as a SHA-256', async () => {
      await adapter('Session').upsert('session-cookie-id', session, 3600);
      const row = await rowOf('Session', 'session-cookie-id');
      expect(row?.uid).toBe(hashId('session-uid-42'));
      expect(row?.payload).not.toContain('session-cookie-id');

      const { jti, ...withoutJti } = session;
      void jti;
      expect(await adapter('Session').findByUid('session-uid-42')).toEqual(withoutJti);
    });

    it('returns undefined for an unknown uid, another kind or an expired row', async () => {
      await adapter('Session').upsert('session-cookie-id', session, 3600);
      expect(await adapter('Session').findByUid('other-uid')).toBeUndefined();
      expect(await adapter('Interaction').findByUid('session-uid-42')).toBeUndefined();
      fakeNow = START + 3_600_000;
      expect(await adapter('Session').findByUid('session-uid-42')).toBeUndefined();
    });
  });

  describe('findByUserCode', () => {
    const deviceCode: OidcPayload = {
      jti: 'device-code-id',
      kind: 'DeviceCode',
      userCode: 'WDJB-MJHT',
      clientId: 'client-1',
      params: { scope: 'openid' },
    };

    it('finds a row by its user code, which is stored only as a SHA-256', async () => {
      await adapter('DeviceCode').upsert('device-code-id', deviceCode, 600);
      const row = await rowOf('DeviceCode', 'device-code-id');
      expect(row?.user_code).toBe(hashId('WDJB-MJHT'));
      expect(row?.payload).not.toContain('WDJB-MJHT');
      expect(row?.payload).not.toContain('device-code-id');

      const found = await adapter('DeviceCode').findByUserCode('WDJB-MJHT');
      expect(found).toEqual({
        // The real id cannot be recovered from its hash: the row is named instead.
        jti: `${ROW_REFERENCE}${hashId('device-code-id')}`,
        kind: 'DeviceCode',
        userCode: 'WDJB-MJHT',
        clientId: 'client-1',
        params: { scope: 'openid' },
      });
    });

    it('saves, finds, consumes and deletes by that row reference, where allowed', async () => {
      await adapter('DeviceCode').upsert('device-code-id', deviceCode, 600);
      const reference = (await adapter('DeviceCode').findByUserCode('WDJB-MJHT'))!.jti!;
      await adapter('DeviceCode').upsert(reference, { ...deviceCode, accountId: 'a' }, 600);
      expect((await adapter('DeviceCode').find('device-code-id'))?.accountId).toBe('a');
      expect((await adapter('DeviceCode').find(reference))?.accountId).toBe('a');
      await adapter('DeviceCode').consume(reference);
      expect((await adapter('DeviceCode').find('device-code-id'))?.consumed).toBeDefined();

      // Where a client presents its device code (the token endpoint), references are refused.
      const strict = new TypeOrmAdapter('DeviceCode', new OidcPayloadStore(ds), {
        replayError: () => new Error('replay'),
        rowReferencesAllowed: () => false,
        now: () => fakeNow,
      });
      expect(await strict.find(reference)).toBeUndefined();
      expect(await strict.find('device-code-id')).toBeDefined();

      await adapter('DeviceCode').destroy(reference);
      expect(await adapter('DeviceCode').find('device-code-id')).toBeUndefined();
    });

    it('restores the user code when the row is found by id', async () => {
      await adapter('DeviceCode').upsert('device-code-id', deviceCode, 600);
      // By id the caller knows the jti but not the user code: only the hash is kept.
      expect(await adapter('DeviceCode').find('device-code-id')).toEqual({
        jti: 'device-code-id',
        kind: 'DeviceCode',
        clientId: 'client-1',
        params: { scope: 'openid' },
      });
    });

    it('keeps the user code hash when the row is upserted again without it', async () => {
      await adapter('DeviceCode').upsert('device-code-id', deviceCode, 600);
      const { userCode, ...rest } = deviceCode;
      void userCode;
      await adapter('DeviceCode').upsert('device-code-id', { ...rest, accountId: 'a' }, 600);
      expect((await adapter('DeviceCode').findByUserCode('WDJB-MJHT'))?.accountId).toBe('a');
    });

    it('returns undefined for an unknown user code; an expired device code is still read', async () => {
      await adapter('DeviceCode').upsert('device-code-id', deviceCode, 600);
      expect(await adapter('DeviceCode').findByUserCode('XXXX-XXXX')).toBeUndefined();
      fakeNow = START + 600_000;
      // oidc-provider checks the expiry itself and tells the device expired_token (RFC 8628).
      expect(await adapter('DeviceCode').findByUserCode('WDJB-MJHT')).toBeDefined();
      expect(await adapter('DeviceCode').find('device-code-id')).toBeDefined();
    });
  });

  describe('revokeByGrantId', () => {
    it("removes only this kind's rows of that grant", async () => {
      await adapter('AccessToken').upsert('at-1', { grantId: 'g1' }, 600);
      await adapter('AccessToken').upsert('at-2', { grantId: 'g1' }, 600);
      await adapter('AccessToken').upsert('at-other', { grantId: 'g2' }, 600);
      await adapter('RefreshToken').upsert('rt-1', { grantId: 'g1' }, 600);
      await adapter('Grant').upsert('g1', { jti: 'g1' }, 600);

      await adapter('AccessToken').revokeByGrantId('g1');

      expect(
        await remaining({
          at1: ['AccessToken', 'at-1'],
          at2: ['AccessToken', 'at-2'],
          atOther: ['AccessToken', 'at-other'],
          rt1: ['RefreshToken', 'rt-1'],
          grant: ['Grant', 'g1'],
        }),
      ).toEqual(['atOther', 'grant', 'rt1']);
    });

    it('removes the Grant row itself when called on the Grant kind', async () => {
      await adapter('Grant').upsert('g1', { jti: 'g1' }, 600);
      await adapter('Grant').upsert('g2', { jti: 'g2' }, 600);
      await adapter('Grant').revokeByGrantId('g1');
      expect(await adapter('Grant').find('g1')).toBeUndefined();
      expect(await adapter('Grant').find('g2')).toEqual({ jti: 'g2' });
    });
  });

  describe('destroy', () => {
    it('removes exactly the row with that kind and id', async () => {
      await adapter('AccessToken').upsert('at-1', { grantId: 'g1' }, 600);
      await adapter('AccessToken').upsert('at-2', { grantId: 'g1' }, 600);
      await adapter('RefreshToken').upsert('at-1', { grantId: 'g1' }, 600);

      await adapter('AccessToken').destroy('at-1');

      expect(await adapter('AccessToken').find('at-1')).toBeUndefined();
      expect(
        await remaining({
          at1: ['AccessToken', 'at-1'],
          at2: ['AccessToken', 'at-2'],
          rtSameId: ['RefreshToken', 'at-1'],
        }),
      ).toEqual(['at2', 'rtSameId']);
    });

    it('does nothing for an unknown id', async () => {
      await adapter('AccessToken').upsert('at-1', {}, 600);
      await expect(adapter('AccessToken').destroy('nope')).resolves.toBeUndefined();
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('consume', () => {
    const seedGrant = async () => {
      await adapter('Grant').upsert('g1', { jti: 'g1', accountId: 'a', clientId: 'c' }, 3600);
      await adapter('AuthorizationCode').upsert('code-1', { jti: 'code-1', grantId: 'g1' }, 60);
      await adapter('AccessToken').upsert('at-1', { jti: 'at-1', grantId: 'g1' }, 600);
      await adapter('RefreshToken').upsert('rt-1', { jti: 'rt-1', grantId: 'g1' }, 3600);
      await adapter('Session').upsert('sess-1', { uid: 'u', accountId: 'a' }, 3600);
      await adapter('AccessToken').upsert('at-g2', { jti: 'at-g2', grantId: 'g2' }, 600);
      await adapter('RefreshToken').upsert('rt-g2', { jti: 'rt-g2', grantId: 'g2' }, 3600);
    };
    const everything = {
      grant: ['Grant', 'g1'],
      code: ['AuthorizationCode', 'code-1'],
      at: ['AccessToken', 'at-1'],
      rt: ['RefreshToken', 'rt-1'],
      session: ['Session', 'sess-1'],
      atG2: ['AccessToken', 'at-g2'],
      rtG2: ['RefreshToken', 'rt-g2'],
    } satisfies Record<string, [string, string]>;

    it('marks the row consumed, as epoch seconds in the payload', async () => {
      await seedGrant();
      fakeNow = START + 5_500;
      await adapter('AuthorizationCode').consume('code-1');

      expect((await rowOf('AuthorizationCode', 'code-1'))?.consumed_at).toBe(START + 5_500);
      expect(await adapter('AuthorizationCode').find('code-1')).toEqual({
        jti: 'code-1',
        grantId: 'g1',
        consumed: Math.floor((START + 5_500) / 1000),
      });
    });

    it('leaves every other row alone on the first consumption', async () => {
      await seedGrant();
      await adapter('AuthorizationCode').consume('code-1');
      expect(await remaining(everything)).toEqual(Object.keys(everything).sort());
      expect((await rowOf('RefreshToken', 'rt-1'))?.consumed_at).toBeNull();
    });

    it('throws the replay error on a second consumption and revokes the whole grant', async () => {
      await seedGrant();
      await adapter('AuthorizationCode').consume('code-1');

      await expect(adapter('AuthorizationCode').consume('code-1')).rejects.toThrow(
        'replay AuthorizationCode',
      );

      expect(await remaining(everything)).toEqual(['atG2', 'rtG2', 'session']);
    });

    it('revokes the grant when a rotated refresh token is replayed', async () => {
      await seedGrant();
      await adapter('RefreshToken').consume('rt-1');
      await expect(adapter('RefreshToken').consume('rt-1')).rejects.toThrow('replay RefreshToken');
      expect(await remaining(everything)).toEqual(['atG2', 'rtG2', 'session']);
    });

    it('uses the error from options.replayError, called with the kind', async () => {
      const calls: string[] = [];
      const replayError = (kind: string) => {
        calls.push(kind);
        return new TypeError(`custom ${kind}`);
      };
      const a = new TypeOrmAdapter('AuthorizationCode', new OidcPayloadStore(ds), {
        replayError,
        now: () => fakeNow,
      });
      await a.upsert('code-x', { grantId: 'gx' }, 60);
      await a.consume('code-x');
      expect(calls).toEqual([]);
      const replay = a.consume('code-x');
      await expect(replay).rejects.toBeInstanceOf(TypeError);
      await expect(replay).rejects.toThrow('custom AuthorizationCode');
      expect(calls).toEqual(['AuthorizationCode']);
    });

    it('throws the replay error without deleting anything for a row without a grant', async () => {
      await seedGrant();
      await adapter('AuthorizationCode').upsert('code-no-grant', { jti: 'code-no-grant' }, 60);
      await adapter('AuthorizationCode').consume('code-no-grant');
      await expect(adapter('AuthorizationCode').consume('code-no-grant')).rejects.toThrow(
        'replay AuthorizationCode',
      );
      expect(await remaining(everything)).toEqual(Object.keys(everything).sort());
    });

    it('throws the replay error without deleting anything for an unknown id', async () => {
      await seedGrant();
      await expect(adapter('AuthorizationCode').consume('never-issued')).rejects.toThrow(
        'replay AuthorizationCode',
      );
      expect(await remaining(everything)).toEqual(Object.keys(everything).sort());
    });

    it('does not consume a row of another kind with the same id', async () => {
      await adapter('AuthorizationCode').upsert('same', { grantId: 'g1' }, 60);
      await adapter('RefreshToken').upsert('same', { grantId: 'g1' }, 60);
      await adapter('AuthorizationCode').consume('same');
      expect((await rowOf('RefreshToken', 'same'))?.consumed_at).toBeNull();
      await expect(adapter('RefreshToken').consume('same')).resolves.toBeUndefined();
    });

    it('lets exactly one of several concurrent consumptions win', async () => {
      await seedGrant();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => adapter('AuthorizationCode').consume('code-1')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(4);
    });
  });

  describe('Grant rows', () => {
    const grant: OidcPayload = {
      jti: 'grant-abc',
      kind: 'Grant',
      accountId: 'account-1',
      clientId: 'client-1',
      openid: { scope: 'openid profile' },
    };

    it('keep their jti in the payload and their own id in grant_id', async () => {
      await adapter('Grant').upsert('grant-abc', grant, 3600);
      const row = await rowOf('Grant', 'grant-abc');
      expect(row?.id).toBe(hashId('grant-abc'));
      expect(row?.grant_id).toBe('grant-abc');
      expect(JSON.parse(row!.payload)).toEqual(grant);
    });

    it('are found by id with the full payload', async () => {
      await adapter('Grant').upsert('grant-abc', grant, 3600);
      expect(await adapter('Grant').find('grant-abc')).toEqual(grant);
    });

    it('use their own id as grant_id even if the payload names another grant', async () => {
      await adapter('Grant').upsert('grant-abc', { ...grant, grantId: 'elsewhere' }, 3600);
      expect((await rowOf('Grant', 'grant-abc'))?.grant_id).toBe('grant-abc');
    });
  });
});
