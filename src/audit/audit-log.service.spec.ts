import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options.js';
import { redact } from './audit-event.js';
import { AuditLog } from './audit-log.service.js';

describe('redact', () => {
  it('replaces members that could hold credentials, at any depth, and keeps the rest', () => {
    expect(
      redact({
        email: 'a@example.com',
        client_secret: 's3cret',
        refresh_token: 'rt',
        nested: { password: 'pw', scope: 'openid', authorization: 'Basic x' },
        user_code: 'ABCD-EFGH',
        list: ['a', 'b'],
      }),
    ).toEqual({
      email: 'a@example.com',
      client_secret: '[redacted]',
      refresh_token: '[redacted]',
      nested: { password: '[redacted]', scope: 'openid', authorization: '[redacted]' },
      user_code: '[redacted]',
      list: ['a', 'b'],
    });
  });
});

/** The audit trail on a real SQLite file. */
describe('AuditLog', () => {
  let dir: string;
  let ds: DataSource;
  let audit: AuditLog;
  let logged: unknown[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-'));
    ds = new DataSource(dataSourceOptions({ type: 'better-sqlite3', path: join(dir, 'a.sqlite') }));
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await ds.query('DELETE FROM audit_events');
    audit = new AuditLog(ds);
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logged.push(message);
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('stores an event and logs the same entry as one structured object', async () => {
    await audit.record({
      event: 'client.secret_rotated',
      outcome: 'success',
      actor: { id: 'admin-1', ip: '192.0.2.7' },
      clientId: 'app-1',
      details: { previous_valid_until: null, client_secret: 'must not appear' },
    });
    const { events } = await audit.list({ limit: 10 });
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        at: expect.any(Date),
        event: 'client.secret_rotated',
        outcome: 'success',
        actorId: 'admin-1',
        clientId: 'app-1',
        ip: '192.0.2.7',
        details: { previous_valid_until: null, client_secret: '[redacted]' },
      },
    ]);
    expect(logged).toEqual([{ audit: { ...events[0], at: events[0].at.toISOString() } }]);
    expect(JSON.stringify(logged)).not.toContain('must not appear');
  });

  it('filters by event, outcome, actor, client and time, newest first, in pages', async () => {
    for (const [i, event, outcome, actor, client] of [
      [1, 'user.sign_in', 'failure', 'eve@example.com', 'app-1'],
      [2, 'user.sign_in', 'success', 'user-1', 'app-1'],
      [3, 'consent.granted', 'success', 'user-1', 'app-1'],
      [4, 'user.sign_in', 'success', 'user-2', 'app-2'],
      [5, 'grant.revoked', 'success', 'user-1', 'app-1'],
    ] as const) {
      jest.useFakeTimers({
        now: 1_800_000_000_000 + i * 1000,
        doNotFake: ['nextTick', 'setImmediate'],
      });
      await audit.record({ event, outcome, actor: { id: actor }, clientId: client });
      jest.useRealTimers();
    }
    const names = (page: { events: { event: string; actorId: string | null }[] }) =>
      page.events.map((e) => `${e.event}:${e.actorId}`);

    expect(names(await audit.list({ limit: 10 }))).toEqual([
      'grant.revoked:user-1',
      'user.sign_in:user-2',
      'consent.granted:user-1',
      'user.sign_in:user-1',
      'user.sign_in:eve@example.com',
    ]);
    expect(
      names(await audit.list({ limit: 10, event: 'user.sign_in', outcome: 'success' })),
    ).toEqual(['user.sign_in:user-2', 'user.sign_in:user-1']);
    expect(names(await audit.list({ limit: 10, actorId: 'user-1', clientId: 'app-1' }))).toEqual([
      'grant.revoked:user-1',
      'consent.granted:user-1',
      'user.sign_in:user-1',
    ]);
    expect(
      names(
        await audit.list({
          limit: 10,
          since: new Date(1_800_000_002_000),
          until: new Date(1_800_000_004_000),
        }),
      ),
    ).toEqual(['consent.granted:user-1', 'user.sign_in:user-1']);

    const first = await audit.list({ limit: 2 });
    expect(names(first)).toEqual(['grant.revoked:user-1', 'user.sign_in:user-2']);
    const second = await audit.list({ limit: 2, after: first.next });
    expect(names(second)).toEqual(['consent.granted:user-1', 'user.sign_in:user-1']);
    const third = await audit.list({ limit: 2, after: second.next });
    expect(names(third)).toEqual(['user.sign_in:eve@example.com']);
    expect(third.next).toBeUndefined();
  });

  it('refuses a cursor it did not make', async () => {
    await expect(audit.list({ limit: 2, after: 'not-a-cursor' })).rejects.toThrow(
      'the page cursor is not valid; start again from the first page',
    );
  });

  it('a database failure is logged, not thrown at the action being recorded', async () => {
    const errors: unknown[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(message);
    });
    await ds.query('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      await expect(
        audit.record({ event: 'client.deleted', outcome: 'success', actor: { id: 'cli' } }),
      ).resolves.toBeUndefined();
    } finally {
      await ds.query('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    expect(errors).toEqual([expect.stringContaining('Could not store audit event client.deleted')]);
  });
});
