import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { DataSource, Repository } from 'typeorm';
import { LOCKS, withStartupLock } from '../common/lock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/load-config.js';
import { isSealed, seal, unseal } from './key-seal.js';
import { UserInputError } from '../common/errors.js';
import { KeyEntity } from './key.entity.js';

/** One key per algorithm family: RS256/PS256 for broad client support, ES256 for compactness. */
const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
/** Instances' clocks differ a little: a retired key must outlive its tokens by this much. */
const CLOCK_SKEW_MS = 60_000;
/** How often a server looks for signing keys another process (keys:rotate) added. */
const KEY_SYNC_MS = 5000;

export interface KeyMaterial {
  /** Private signing JWKs, newest first (oidc-provider signs with the first matching key). */
  signing: JWK[];
  /** Cookie-signing secrets, newest first (the first signs, all verify). */
  cookie: string[];
}

/**
 * Owns signing and cookie keys: generated on first start, persisted in the database (so
 * restarts and other instances keep sessions and tokens valid), rotated on demand.
 */
@Injectable()
export class KeysService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeysService.name);
  private material: KeyMaterial = { signing: [], cookie: [] };
  private loading?: Promise<void>;
  private readonly repo: Repository<KeyEntity>;
  private readonly listeners = new Set<(keys: KeyMaterial) => void>();
  private signingKids = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.repo = dataSource.getRepository(KeyEntity);
  }

  /**
   * Generates the first keys if the database has none, then loads them. Idempotent: whoever
   * needs keys first (the provider factory, the cookie plugin) awaits the same load.
   */
  load(): Promise<void> {
    this.loading ??= this.initialize();
    return this.loading;
  }

  private async initialize(): Promise<void> {
    await withStartupLock(this.dataSource, LOCKS.keys, async () => {
      if (!(await this.repo.existsBy({ use: 'signing' }))) {
        await this.addSigningGeneration();
      }
      if (!(await this.repo.existsBy({ use: 'cookie' }))) {
        await this.addCookieKey();
      }
      await this.sealWithCurrentKey();
    });
    await this.reload();
  }

  /**
   * Runs `listener` whenever the signing keys change: rotated here, or by another process (the
   * CLI, another instance), which every server notices within {@link KEY_SYNC_MS}.
   */
  onSigningKeysChanged(listener: (keys: KeyMaterial) => void): void {
    this.listeners.add(listener);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.syncSigningKeys().catch((error: unknown) =>
        this.logger.warn(`Could not check for new signing keys: ${String(error)}`),
      );
    }, KEY_SYNC_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Reloads the keys if the signing keys in the database are not the ones loaded. */
  async syncSigningKeys(): Promise<void> {
    if (!this.material.signing.length) {
      return;
    }
    const rows = await this.repo.find({ select: { kid: true }, where: { use: 'signing' } });
    if (kidsOf(rows) !== this.signingKids) {
      await this.reload();
    }
  }

  /** The loaded keys; call {@link load} first. */
  get current(): KeyMaterial {
    if (!this.material.signing.length) {
      throw new Error('KeysService.load() has not completed');
    }
    return this.material;
  }

  /**
   * Adds a new generation of signing keys, which signs from now on (running servers within
   * {@link KEY_SYNC_MS}). Earlier generations stay published, so every token they signed keeps
   * verifying, until {@link retireSigningKeys}.
   */
  async rotateSigningKeys(): Promise<{ added: string[]; removed: string[] }> {
    const added = await this.addSigningGeneration();
    await this.reload();
    return { added, removed: [] };
  }

  /**
   * Removes every signing key but the newest generation. Refused while a token they signed may
   * still be valid — until the newest generation is older than the longest lifetime of a
   * signed token (`longestTokenMs`: JWT access tokens, ID tokens) — unless `force`d, which ends
   * those tokens at once.
   * @throws UserInputError saying until when, when it is too early
   */
  async retireSigningKeys(
    longestTokenMs: number,
    { force = false, now = Date.now() } = {},
  ): Promise<{ retired: string[]; kept: string[] }> {
    const all = await this.repo.find({ where: { use: 'signing' }, order: { createdAt: 'DESC' } });
    const newest = all[0]?.createdAt ?? 0;
    const kept = all.filter((key) => key.createdAt === newest);
    const retired = all.filter((key) => key.createdAt !== newest);
    const safeFrom = newest + longestTokenMs + CLOCK_SKEW_MS;
    if (retired.length && !force && now < safeFrom) {
      throw new UserInputError(
        `tokens signed by the previous keys may be valid until ${new Date(safeFrom).toISOString()}; ` +
          'retire them then, or now with --force (those tokens stop working)',
      );
    }
    if (retired.length) {
      await this.repo.delete(retired.map((key) => key.kid));
      await this.reload();
    }
    return { retired: retired.map((key) => key.kid), kept: kept.map((key) => key.kid) };
  }

  async reload(): Promise<void> {
    const keys = (await this.repo.find({ order: { createdAt: 'DESC' } })).map((key) => ({
      ...key,
      material: this.open(key).plaintext,
    }));
    this.material = {
      signing: keys.filter((k) => k.use === 'signing').map((k) => JSON.parse(k.material) as JWK),
      cookie: keys.filter((k) => k.use === 'cookie').map((k) => JSON.parse(k.material) as string),
    };
    const kids = kidsOf(keys.filter((k) => k.use === 'signing'));
    if (this.signingKids && kids !== this.signingKids) {
      this.logger.log(`Signing keys changed: now ${kids}`);
      for (const listener of this.listeners) {
        listener(this.material);
      }
    }
    this.signingKids = kids;
  }

  private async addSigningGeneration(): Promise<string[]> {
    const createdAt = Date.now();
    const rows: KeyEntity[] = [];
    for (const alg of SIGNING_ALGORITHMS) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(privateKey);
      const kid = await calculateJwkThumbprint(jwk);
      rows.push(
        this.repo.create({
          kid,
          use: 'signing',
          material: this.sealed(JSON.stringify({ ...jwk, kid, alg, use: 'sig' }), kid),
          createdAt,
        }),
      );
    }
    await this.repo.insert(rows);
    return rows.map((row) => row.kid);
  }

  private async addCookieKey(): Promise<void> {
    const secret = randomBytes(32).toString('base64url');
    const kid = `cookie-${randomBytes(8).toString('hex')}`;
    await this.repo.insert({
      kid,
      use: 'cookie',
      material: this.sealed(JSON.stringify(secret), kid),
      createdAt: Date.now(),
    });
  }

  /** Material as stored: sealed with KEYS_ENCRYPTION_KEY when one is set. */
  private sealed(plaintext: string, kid: string): string {
    const key = this.config.keysEncryption.current;
    return key ? seal(plaintext, kid, key) : plaintext;
  }

  /**
   * A row's material in the clear, and whether it must be (re-)sealed with the current key.
   * @throws ConfigError when it is sealed and no configured key opens it
   */
  private open(row: KeyEntity): { plaintext: string; reseal: boolean } {
    const { current, previous } = this.config.keysEncryption;
    if (!isSealed(row.material)) {
      return { plaintext: row.material, reseal: current !== undefined };
    }
    const keys = [current, previous].filter((key): key is Buffer => key !== undefined);
    const opened = unseal(row.material, row.kid, keys);
    if (!opened) {
      throw new ConfigError(
        keys.length === 0
          ? 'KEYS_ENCRYPTION_KEY: the signing keys in the database are sealed; set the key they were sealed with'
          : 'KEYS_ENCRYPTION_KEY: it does not open the signing keys in the database (while re-sealing, set the old key as KEYS_ENCRYPTION_KEY_PREVIOUS)',
      );
    }
    return { plaintext: opened.plaintext, reseal: current !== undefined && opened.keyIndex > 0 };
  }

  /**
   * Seals what is stored in the clear, and re-seals what KEYS_ENCRYPTION_KEY_PREVIOUS sealed,
   * with KEYS_ENCRYPTION_KEY: after one start, a copy of the database reveals no usable key.
   */
  private async sealWithCurrentKey(): Promise<void> {
    for (const row of await this.repo.find()) {
      const { plaintext, reseal } = this.open(row);
      if (reseal) {
        await this.repo.update({ kid: row.kid }, { material: this.sealed(plaintext, row.kid) });
      }
    }
  }
}

/** The set of key ids, comparable as a string. */
function kidsOf(rows: { kid: string }[]): string {
  return rows
    .map((row) => row.kid)
    .sort()
    .join(', ');
}
