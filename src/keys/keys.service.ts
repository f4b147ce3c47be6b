import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { DataSource, Repository } from 'typeorm';
import { LOCKS, withStartupLock } from '../common/lock.js';
import { KeyEntity } from './key.entity.js';

/** One key per algorithm family: RS256/PS256 for broad client support, ES256 for compactness. */
const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
/** A rotation keeps the previous generation published so tokens it signed still verify. */
const GENERATIONS_KEPT = 2;

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
export class KeysService {
  private material: KeyMaterial = { signing: [], cookie: [] };
  private loading?: Promise<void>;
  private readonly repo: Repository<KeyEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
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
    });
    await this.reload();
  }

  /** The loaded keys; call {@link load} first. */
  get current(): KeyMaterial {
    if (!this.material.signing.length) {
      throw new Error('KeysService.load() has not completed');
    }
    return this.material;
  }

  /** Adds a new generation of signing keys and drops generations older than the previous one. */
  async rotateSigningKeys(): Promise<{ added: string[]; removed: string[] }> {
    const added = await this.addSigningGeneration();
    const all = await this.repo.find({ where: { use: 'signing' }, order: { createdAt: 'DESC' } });
    const stale = all.slice(SIGNING_ALGORITHMS.length * GENERATIONS_KEPT);
    if (stale.length) {
      await this.repo.delete(stale.map((key) => key.kid));
    }
    await this.reload();
    return { added, removed: stale.map((key) => key.kid) };
  }

  async reload(): Promise<void> {
    const keys = await this.repo.find({ order: { createdAt: 'DESC' } });
    this.material = {
      signing: keys.filter((k) => k.use === 'signing').map((k) => JSON.parse(k.material) as JWK),
      cookie: keys.filter((k) => k.use === 'cookie').map((k) => JSON.parse(k.material) as string),
    };
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
          material: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }),
          createdAt,
        }),
      );
    }
    await this.repo.insert(rows);
    return rows.map((row) => row.kid);
  }

  private async addCookieKey(): Promise<void> {
    const secret = randomBytes(32).toString('base64url');
    await this.repo.insert({
      kid: `cookie-${randomBytes(8).toString('hex')}`,
      use: 'cookie',
      material: JSON.stringify(secret),
      createdAt: Date.now(),
    });
  }
}
