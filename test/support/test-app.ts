import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { UsersService } from '../../src/identity/users.service.js';
import { ClientsService, type NewClient } from '../../src/oauth/clients/clients.service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** What a test may choose about a user it creates; the rest is made up. */
export type TestUserOverrides = Partial<TestUser> & { name?: string; admin?: boolean };

/** A client to register: its type, and whatever else the test cares about. */
export type NewTestClient = Partial<NewClient> & Pick<NewClient, 'type'>;

export interface TestClient {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

/** A running Gatehouse on a loopback port with its own database, as the e2e tests use it. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    private readonly env: Record<string, string>,
    private readonly database: TestDatabase,
    private readonly ownsDataDir: boolean,
    private readonly extraModules: Type[],
    private readonly logger: LoggerService | false,
  ) {}

  /** The environment the app was started with (DATA_DIR, DATABASE_URL...), e.g. for the CLI. */
  get environment(): Readonly<Record<string, string>> {
    return this.env;
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /**
   * Starts the real app; `env` overrides the test defaults (e.g. token lifetimes),
   * `extraModules` adds test controllers and `logger` receives what the app logs (by default
   * nothing is logged).
   */
  static async start(
    env: Record<string, string> = {},
    extraModules: Type[] = [],
    logger: LoggerService | false = false,
  ): Promise<TestApp> {
    const database = await createTestDatabase();
    const port = await freePort();
    const fullEnv: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'gatehouse-e2e-')),
      LOG_LEVEL: 'fatal',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...env,
    };
    return TestApp.boot(fullEnv, database, true, extraModules, logger);
  }

  private static async boot(
    env: Record<string, string>,
    database: TestDatabase,
    ownsDataDir: boolean,
    extraModules: Type[],
    logger: LoggerService | false,
  ): Promise<TestApp> {
    const config = loadConfig(env);
    const app = await createApp(config, logger, extraModules);
    await app.listen({ port: config.port, host: config.host });
    return new TestApp(app, config, env, database, ownsDataDir, extraModules, logger);
  }

  /**
   * Stops the server and starts a new one on the same port and database (a restart), with
   * `env` changed if given (e.g. another configuration).
   */
  async restart(env: Record<string, string> = {}): Promise<TestApp> {
    await this.app.close();
    return TestApp.boot(
      { ...this.env, ...env },
      this.database,
      this.ownsDataDir,
      this.extraModules,
      this.logger,
    );
  }

  /**
   * A second server on another port sharing this one's database and issuer, as instances
   * behind one load balancer would. Close it before this one.
   */
  async startAnotherInstance(): Promise<TestApp> {
    const port = await freePort();
    return TestApp.boot(
      { ...this.env, PORT: String(port) },
      { drop: () => Promise.resolve() },
      false,
      this.extraModules,
      this.logger,
    );
  }

  /** The origin this instance listens on (the issuer's, unless it is another instance). */
  get origin(): string {
    return `http://${this.config.host}:${this.config.port}`;
  }

  /**
   * A URL of this instance: for the first one the issuer's, for another instance its own port
   * (so that a test of "another instance" really talks to it).
   */
  url(path: string): string {
    return `${this.origin}${path}`;
  }

  async createUser(overrides: TestUserOverrides = {}): Promise<TestUser> {
    const email = overrides.email ?? `user-${Math.random().toString(36).slice(2)}@example.com`;
    const password = overrides.password ?? 'correct horse battery staple';
    const user = await this.app
      .get(UsersService)
      .create({ email, password, name: overrides.name ?? 'Test User', admin: overrides.admin });
    return { id: user.id, email, password };
  }

  async createClient(input: NewTestClient): Promise<TestClient> {
    const redirectUri =
      input.redirectUris?.[0] ??
      (input.type === 'native' ? 'http://127.0.0.1/callback' : 'https://app.example.com/callback');
    const { client, clientSecret } = await this.app.get(ClientsService).create({
      name: `${input.type} app`,
      redirectUris: input.type === 'service' || input.type === 'device' ? [] : [redirectUri],
      ...input,
    });
    return { clientId: client.id, clientSecret, redirectUri };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.database.drop();
    if (this.ownsDataDir) {
      rmSync(this.env.DATA_DIR, { recursive: true, force: true });
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
