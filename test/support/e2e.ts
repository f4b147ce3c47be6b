import type { Type } from '@nestjs/common';
import { TestApp, type TestUser, type TestUserOverrides } from './test-app.js';

export interface TestAppOptions {
  /** Overrides of the test defaults, as for `TestApp.start` (e.g. `ACCESS_TOKEN_FORMAT`). */
  env?: Record<string, string>;
  /** The user created once the app is up (these overrides; `{}` by default), or `false` for none. */
  user?: TestUserOverrides | false;
  /** Test modules added to the app (e.g. `GuardProbeModule`). */
  extraModules?: Type[];
}

/** What `useTestApp` gives a describe block; read it inside tests and hooks, not beside them. */
export interface TestAppSetup {
  /** The running app (the restarted one after `restart`). */
  readonly app: TestApp;
  /** The user made at start (unless `user: false` was asked for). */
  readonly user: TestUser;
  /** Restarts the app on the same port and database (see `TestApp.restart`); returns it. */
  restart(env?: Record<string, string>): Promise<TestApp>;
}

/**
 * The set-up every e2e describe block shares: registers a `beforeAll` that starts a TestApp
 * (and creates a user) and an `afterAll` that closes it, in the block it is called in.
 *
 *     describe('tokens', () => {
 *       const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: 'opaque' } });
 *       it('...', async () => {
 *         const { app, user } = setup;
 *
 * Hooks the block declares after this call run after these: a `beforeAll` of its own sees the
 * app started, an `afterAll` of its own runs once the app is closed.
 */
export function useTestApp(options: TestAppOptions = {}): TestAppSetup {
  let app: TestApp | undefined;
  let user: TestUser | undefined;

  beforeAll(async () => {
    app = await TestApp.start(options.env, options.extraModules);
    if (options.user !== false) {
      user = await app.createUser(options.user);
    }
  });

  afterAll(async () => {
    // Unset if the start failed: that failure is the one to report.
    await app?.close();
  });

  return {
    get app(): TestApp {
      if (!app) {
        throw new Error(notYet('app'));
      }
      return app;
    },
    get user(): TestUser {
      if (options.user === false) {
        throw new Error('useTestApp({ user: false }) creates no user; create one in the test');
      }
      if (!user) {
        throw new Error(notYet('user'));
      }
      return user;
    },
    async restart(env?: Record<string, string>): Promise<TestApp> {
      if (!app) {
        throw new Error(notYet('app'));
      }
      app = await app.restart(env);
      return app;
    },
  };
}

function notYet(what: string): string {
  return (
    `useTestApp: the ${what} was read before its beforeAll ran; read it inside a test or a ` +
    'hook (e.g. `const { app, user } = setup;` as the first line of the test), not in the ' +
    'describe body'
  );
}
