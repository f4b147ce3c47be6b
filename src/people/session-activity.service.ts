import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { hashId } from '../common/hash-id.js';
import { OidcPayloadStore } from '../tokens/oidc-payload.store.js';
import { browserName } from './browser-name.js';
import { SessionActivityStore } from './session-activity.store.js';
import { UserAccess } from './user-access.service.js';

/** A session's last sighting is written at most this often: most requests only read a map. */
const TOUCH_RESOLUTION_MS = 60_000;

/** One of a person's sign-in sessions as /account/sessions lists it. */
export interface SessionView {
  key: string;
  browser: string;
  ip: string | null;
  startedAt: Date | null;
  lastSeenAt: Date | null;
  current: boolean;
}

/** The value of oidc-provider's session cookie in a Cookie header, if any. */
export function sessionIdInCookies(header: string | undefined): string | undefined {
  return /(?:^|;\s*)_session=([^;]+)/.exec(header ?? '')?.[1];
}

/** The session id a response sets (at sign-in), if it sets one. */
export function sessionIdInSetCookie(header: unknown): string | undefined {
  const cookies = [header].flat().filter((value): value is string => typeof value === 'string');
  return cookies.map((cookie) => /^_session=([^;]+)/.exec(cookie)?.[1]).find(Boolean);
}

/**
 * Who signed in where: oidc-provider's sessions do not keep the browser, the address or when
 * they were last used, so this records them as the session is seen (at sign-in, then at most
 * once a minute per session and process), lists them for their owner, and ends them.
 */
@Injectable()
export class SessionActivity {
  private readonly logger = new Logger('SessionActivity');
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly store: SessionActivityStore,
    private readonly payloads: OidcPayloadStore,
    private readonly access: UserAccess,
  ) {}

  /** A request of the session `sessionId` was answered; never throws (logs instead). */
  async seen(sessionId: string, userAgent: string | undefined, ip: string | undefined) {
    const key = hashId(sessionId);
    const at = Date.now();
    if (at - (this.touched.get(key) ?? 0) < TOUCH_RESOLUTION_MS) {
      return;
    }
    try {
      const accountId = await this.payloads.sessionAccount(key, at);
      if (accountId) {
        this.touched.set(key, at);
        await this.store.touch({ key, accountId, userAgent, ip, at });
      }
    } catch (error) {
      this.logger.warn(`Could not record session activity: ${String(error)}`);
    }
  }

  /** The person's live sessions, the current one first; rows of ended ones are dropped. */
  async list(accountId: string, currentKey: string | undefined): Promise<SessionView[]> {
    const live = new Set(await this.payloads.sessionKeysOf(accountId, Date.now()));
    const rows = await this.store.listForAccount(accountId);
    await this.store.delete(rows.map((r) => r.session_key).filter((key) => !live.has(key)));
    const known = new Map(rows.map((row) => [row.session_key, row]));
    const sessions = [...live].map((key): SessionView => {
      const row = known.get(key);
      return {
        key,
        browser: browserName(row?.user_agent),
        ip: row?.ip ?? null,
        startedAt: row ? new Date(Number(row.started_at)) : null,
        lastSeenAt: row ? new Date(Number(row.last_seen_at)) : null,
        current: key === currentKey,
      };
    });
    const seen = (s: SessionView) => s.lastSeenAt?.getTime() ?? 0;
    return sessions.sort((a, b) => Number(b.current) - Number(a.current) || seen(b) - seen(a));
  }

  /** Ends one of the person's sessions; whether it was theirs. */
  async signOut(accountId: string, key: string): Promise<boolean> {
    const ended = await this.payloads.deleteSessionOf(accountId, key);
    await this.store.delete([key]);
    return ended;
  }

  /** Ends every session of the person but `currentKey`; how many. */
  signOutOthers(accountId: string, currentKey: string | undefined): Promise<number> {
    return this.access.endSessions(accountId, currentKey);
  }
}
