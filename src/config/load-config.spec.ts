import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';

/** Calls loadConfig and returns the ConfigError it throws (fails the test if it does not). */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    const config = loadConfig({});

    it('listens on 0.0.0.0:3000', () => {
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
    });

    it('uses http://localhost:3000 as the issuer', () => {
      expect(config.issuer).toBe('http://localhost:3000');
    });

    it('follows PORT when ISSUER is unset', () => {
      expect(loadConfig({ PORT: '8080' }).issuer).toBe('http://localhost:8080');
      expect(loadConfig({ PORT: '8080', ISSUER: 'https://id.example.com' }).issuer).toBe(
        'https://id.example.com',
      );
    });

    it('resolves the default data directory ./data to an absolute path', () => {
      expect(config.dataDir).toBe(resolve('data'));
    });

    it('stores data in an SQLite file under the data directory', () => {
      expect(config.database).toEqual({
        type: 'better-sqlite3',
        path: join(resolve('data'), 'gatehouse.sqlite'),
      });
    });

    it('uses the default token lifetimes, in seconds', () => {
      expect(config.ttl).toEqual({
        accessToken: 600,
        idToken: 3600,
        refreshToken: 30 * 86400,
        spaRefreshToken: 86400,
        authorizationCode: 60,
        session: 14 * 86400,
        grant: 365 * 86400,
        interaction: 3600,
        deviceCode: 600,
      });
    });

    it('does not trust proxy headers', () => {
      expect(config.trustProxy).toBe(false);
    });

    it('logs at level "log" and above, as text', () => {
      expect(config.logLevels).toEqual(['fatal', 'error', 'warn', 'log']);
      expect(config.logFormat).toBe('text');
    });
  });

  it('does not read process.env when given an environment', () => {
    const previous = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (previous === undefined) {
        delete process.env.PORT;
      } else {
        process.env.PORT = previous;
      }
    }
  });

  describe('DATA_DIR', () => {
    it('resolves a relative data directory against the working directory', () => {
      const config = loadConfig({ DATA_DIR: 'var/gatehouse' });
      expect(config.dataDir).toBe(resolve('var/gatehouse'));
      expect(config.database).toEqual({
        type: 'better-sqlite3',
        path: join(resolve('var/gatehouse'), 'gatehouse.sqlite'),
      });
    });

    it('keeps an absolute data directory and puts the SQLite file in it', () => {
      const config = loadConfig({ DATA_DIR: '/srv/gatehouse' });
      expect(config.dataDir).toBe('/srv/gatehouse');
      expect(config.database).toEqual({
        type: 'better-sqlite3',
        path: '/srv/gatehouse/gatehouse.sqlite',
      });
    });
  });

  describe('PORT and HOST', () => {
    it('reads PORT as a number', () => {
      expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    });

    it('accepts the bounds 0 and 65535', () => {
      expect(loadConfig({ PORT: '0' }).port).toBe(0);
      expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    });

    it.each(['abc', '-1', '65536', '80.5', '3000abc', ' ', '0x1F90', '1e3'])(
      'rejects PORT=%p with a ConfigError naming PORT',
      (port) => {
        const error = configErrorFor({ PORT: port });
        expect(error.message).toMatch(/^Invalid configuration:\n {2}PORT: /);
        expect(error.name).toBe('ConfigError');
      },
    );

    it('reads HOST', () => {
      expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    });
  });

  describe('ISSUER', () => {
    it('keeps a well-formed issuer unchanged', () => {
      expect(loadConfig({ ISSUER: 'https://login.example.com' }).issuer).toBe(
        'https://login.example.com',
      );
    });

    it('keeps a port', () => {
      expect(loadConfig({ ISSUER: 'https://login.example.com:8443' }).issuer).toBe(
        'https://login.example.com:8443',
      );
    });

    it.each([
      ['https://login.example.com/', 'https://login.example.com'],
      ['http://localhost:4000/', 'http://localhost:4000'],
    ])('strips the trailing slash of %p', (input, issuer) => {
      expect(loadConfig({ ISSUER: input }).issuer).toBe(issuer);
    });

    it('normalises the scheme and host to lower case', () => {
      expect(loadConfig({ ISSUER: 'HTTPS://Login.Example.COM' }).issuer).toBe(
        'https://login.example.com',
      );
    });

    it.each(['not a url', 'login.example.com', '/relative/path', '   '])(
      'rejects ISSUER=%p, which is not a URL, with a ConfigError naming ISSUER',
      (input) => {
        expect(configErrorFor({ ISSUER: input }).message).toBe(
          'Invalid configuration:\n  ISSUER: must be an absolute http(s) URL',
        );
      },
    );

    it.each([
      'ftp://example.com',
      'file:///etc/passwd',
      'https://example.com/?tenant=1',
      'https://example.com/#frag',
      'https://example.com/?',
      'https://example.com/#',
    ])('rejects ISSUER=%p, a non-http(s) URL or one with a query or fragment', (input) => {
      expect(configErrorFor({ ISSUER: input }).message).toBe(
        'Invalid configuration:\n  ISSUER: must be an http(s) URL without query or fragment (OpenID Connect Discovery §2)',
      );
    });

    it.each(['https://example.com/auth', 'https://example.com/auth/'])(
      'rejects ISSUER=%p, whose path prefix is not supported',
      (input) => {
        expect(configErrorFor({ ISSUER: input }).message).toMatch(
          /^Invalid configuration:\n {2}ISSUER: must be an origin/,
        );
      },
    );
  });

  describe('durations', () => {
    it('reads every lifetime from its variable', () => {
      const config = loadConfig({
        ACCESS_TOKEN_TTL: '5m',
        ID_TOKEN_TTL: '2h',
        REFRESH_TOKEN_TTL: '7d',
        SPA_REFRESH_TOKEN_TTL: '8h',
        AUTHORIZATION_CODE_TTL: '30',
        SESSION_TTL: '1d',
        GRANT_TTL: '90d',
        INTERACTION_TTL: '15m',
        DEVICE_CODE_TTL: '5m',
      });
      expect(config.ttl).toEqual({
        accessToken: 300,
        idToken: 7200,
        refreshToken: 7 * 86400,
        spaRefreshToken: 8 * 3600,
        authorizationCode: 30,
        session: 86400,
        grant: 90 * 86400,
        interaction: 900,
        deviceCode: 300,
      });
    });

    it.each([
      'ACCESS_TOKEN_TTL',
      'ID_TOKEN_TTL',
      'REFRESH_TOKEN_TTL',
      'AUTHORIZATION_CODE_TTL',
      'SESSION_TTL',
      'GRANT_TTL',
      'INTERACTION_TTL',
    ])('rejects a bad %s with a ConfigError naming it', (name) => {
      const error = configErrorFor({ [name]: 'ten minutes' });
      expect(error.message).toBe(
        `Invalid configuration:\n  ${name}: must be a positive duration such as 600, 90s, 10m, 12h or 30d`,
      );
    });

    it.each(['0', '-5m', '1.5h'])('rejects ACCESS_TOKEN_TTL=%p', (value) => {
      expect(configErrorFor({ ACCESS_TOKEN_TTL: value }).message).toContain('ACCESS_TOKEN_TTL');
    });
  });

  it('names every bad variable when several are wrong at once', () => {
    const error = configErrorFor({
      PORT: 'http',
      ISSUER: 'ftp://example.com',
      ACCESS_TOKEN_TTL: 'soon',
      SESSION_TTL: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'xml',
    });
    const lines = error.message.split('\n').slice(1);
    expect(lines.map((line) => line.trim().split(':')[0]).sort()).toEqual(
      ['ACCESS_TOKEN_TTL', 'ISSUER', 'LOG_FORMAT', 'LOG_LEVEL', 'PORT', 'SESSION_TTL'].sort(),
    );
  });

  it('names DATABASE_URL alongside the other bad variables', () => {
    // ConfigError promises that its message "names every bad variable".
    const error = configErrorFor({ PORT: 'http', DATABASE_URL: 'mysql://db/gatehouse' });
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('DATABASE_URL');
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://gh:secret@db:5432/gatehouse', 'postgresql://gh@db/gatehouse'])(
      'uses PostgreSQL for %p, keeping the URL as is',
      (url) => {
        expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ type: 'postgres', url });
      },
    );

    it('resolves a relative sqlite: path against the working directory', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:relative/db.sqlite' }).database).toEqual({
        type: 'better-sqlite3',
        path: resolve('relative/db.sqlite'),
      });
    });

    it('reads sqlite://relative as relative and sqlite:///absolute as absolute', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite://data/x.sqlite' }).database).toEqual({
        type: 'better-sqlite3',
        path: resolve('data/x.sqlite'),
      });
      expect(loadConfig({ DATABASE_URL: 'sqlite:///srv/x.sqlite' }).database).toEqual({
        type: 'better-sqlite3',
        path: '/srv/x.sqlite',
      });
    });

    it('keeps an absolute sqlite: path', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/gatehouse.sqlite' }).database).toEqual({
        type: 'better-sqlite3',
        path: '/var/lib/gatehouse.sqlite',
      });
    });

    it('accepts the sqlite:///absolute form', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:///var/lib/gh.sqlite' }).database).toEqual({
        type: 'better-sqlite3',
        path: '/var/lib/gh.sqlite',
      });
    });

    it('does not put an explicit SQLite database under DATA_DIR', () => {
      const config = loadConfig({ DATA_DIR: '/srv/data', DATABASE_URL: 'sqlite:/tmp/x.sqlite' });
      expect(config.dataDir).toBe('/srv/data');
      expect(config.database).toEqual({ type: 'better-sqlite3', path: '/tmp/x.sqlite' });
    });

    it.each(['mysql://db/gatehouse', 'sqlite:', 'postgres:db', 'https://db.example.com'])(
      'rejects the unsupported DATABASE_URL %p with a ConfigError naming DATABASE_URL',
      (url) => {
        const error = configErrorFor({ DATABASE_URL: url });
        expect(error.message).toMatch(/DATABASE_URL: must be a postgres:\/\//);
      },
    );
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['false', false],
      ['0', 0],
      ['2', 2],
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['127.0.0.1,10.0.0.1', '127.0.0.1,10.0.0.1'],
      ['loopback', 'loopback'],
    ])('reads %p as %p', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toStrictEqual(expected);
    });
  });

  describe('STRICT_HOST', () => {
    it('is off by default, on with true, and refuses anything else naming STRICT_HOST', () => {
      expect(loadConfig({}).strictHost).toBe(false);
      expect(loadConfig({ STRICT_HOST: 'true' }).strictHost).toBe(true);
      expect(loadConfig({ STRICT_HOST: 'false' }).strictHost).toBe(false);
      expect(configErrorFor({ STRICT_HOST: 'yes' }).message).toMatch(
        /^Invalid configuration:\n {2}STRICT_HOST: /,
      );
    });
  });

  describe('LOG_LEVEL', () => {
    it.each([
      ['fatal', ['fatal']],
      ['error', ['fatal', 'error']],
      ['warn', ['fatal', 'error', 'warn']],
      ['log', ['fatal', 'error', 'warn', 'log']],
      ['debug', ['fatal', 'error', 'warn', 'log', 'debug']],
      ['verbose', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
    ])('maps %p to the levels at or above it: %p', (level, levels) => {
      expect(loadConfig({ LOG_LEVEL: level }).logLevels).toEqual(levels);
    });

    it.each(['info', 'LOG', 'trace'])('rejects LOG_LEVEL=%p naming LOG_LEVEL', (level) => {
      expect(configErrorFor({ LOG_LEVEL: level }).message).toMatch(
        /^Invalid configuration:\n {2}LOG_LEVEL: /,
      );
    });

    it('reads ACCESS_TOKEN_FORMAT, jwt by default, and rejects anything else', () => {
      expect(loadConfig({}).accessTokenFormat).toBe('jwt');
      expect(loadConfig({ ACCESS_TOKEN_FORMAT: 'opaque' }).accessTokenFormat).toBe('opaque');
      expect(configErrorFor({ ACCESS_TOKEN_FORMAT: 'paseto' }).message).toContain(
        'ACCESS_TOKEN_FORMAT',
      );
    });

    it('reads the resource server settings, with defaults', () => {
      expect(loadConfig({}).resourceServer).toEqual({
        realm: 'gatehouse',
        tokenCacheSize: 5000,
        revocationSyncInterval: 1,
      });
      expect(
        loadConfig({
          RESOURCE_REALM: 'Example API',
          ACCESS_TOKEN_CACHE_SIZE: '0',
          REVOCATION_SYNC_INTERVAL: '5s',
        }).resourceServer,
      ).toEqual({ realm: 'Example API', tokenCacheSize: 0, revocationSyncInterval: 5 });
    });

    it.each([
      ['RESOURCE_REALM', 'café', 'must be 1 to 100 printable ASCII characters'],
      ['RESOURCE_REALM', 'a'.repeat(101), 'must be 1 to 100 printable ASCII characters'],
      ['ACCESS_TOKEN_CACHE_SIZE', '-1', 'must be a whole number (0 turns the cache off)'],
      ['ACCESS_TOKEN_CACHE_SIZE', 'lots', 'must be a whole number (0 turns the cache off)'],
      ['REVOCATION_SYNC_INTERVAL', 'soon', 'must be a positive duration'],
    ])('rejects %s=%j', (name, value, message) => {
      const error = configErrorFor({ [name]: value });
      expect(error.message).toContain(`${name}: ${message}`);
    });

    it('reads CLIENT_SECRET_GRACE: 24 hours by default, 0 allowed, nonsense refused', () => {
      expect(loadConfig({}).clientSecretGrace).toBe(86_400);
      expect(loadConfig({ CLIENT_SECRET_GRACE: '0' }).clientSecretGrace).toBe(0);
      expect(loadConfig({ CLIENT_SECRET_GRACE: '15m' }).clientSecretGrace).toBe(900);
      expect(configErrorFor({ CLIENT_SECRET_GRACE: '-1h' }).message).toContain(
        'CLIENT_SECRET_GRACE: must be 0 or a duration such as 600, 90s, 10m, 12h or 30d',
      );
    });

    it('reads SHUTDOWN_TIMEOUT: 10 s by default, a positive duration', () => {
      expect(loadConfig({}).shutdownTimeout).toBe(10);
      expect(loadConfig({ SHUTDOWN_TIMEOUT: '1m' }).shutdownTimeout).toBe(60);
      expect(configErrorFor({ SHUTDOWN_TIMEOUT: '0' }).message).toContain(
        'SHUTDOWN_TIMEOUT: must be a positive duration such as 600, 90s, 10m, 12h or 30d',
      );
    });

    it('reads DATABASE_BUSY_TIMEOUT in milliseconds: 5 s by default, ms allowed, at most 1 m', () => {
      expect(loadConfig({}).databaseBusyTimeout).toBe(5000);
      expect(loadConfig({ DATABASE_BUSY_TIMEOUT: '250ms' }).databaseBusyTimeout).toBe(250);
      expect(loadConfig({ DATABASE_BUSY_TIMEOUT: '2s' }).databaseBusyTimeout).toBe(2000);
      expect(loadConfig({ DATABASE_BUSY_TIMEOUT: '1m' }).databaseBusyTimeout).toBe(60_000);
      expect(loadConfig({ DATABASE_BUSY_TIMEOUT: '0' }).databaseBusyTimeout).toBe(0);
      for (const value of ['61s', '2m', '-1s', 'soon', '1.5s']) {
        expect(configErrorFor({ DATABASE_BUSY_TIMEOUT: value }).message).toContain(
          'DATABASE_BUSY_TIMEOUT: must be 0 or a duration of at most a minute such as 250ms, 5s or 1m',
        );
      }
    });

    it('serves the examples unless NODE_ENV=production, or as SERVE_EXAMPLES says', () => {
      expect(loadConfig({}).serveExamples).toBe(true);
      expect(loadConfig({ NODE_ENV: 'production' }).serveExamples).toBe(false);
      expect(loadConfig({ NODE_ENV: 'production', SERVE_EXAMPLES: 'true' }).serveExamples).toBe(
        true,
      );
      expect(loadConfig({ SERVE_EXAMPLES: 'false' }).serveExamples).toBe(false);
      expect(configErrorFor({ SERVE_EXAMPLES: 'yes' }).message).toContain('SERVE_EXAMPLES');
    });

    it('keeps audit events 365 days unless AUDIT_RETENTION says otherwise', () => {
      expect(loadConfig({}).auditRetention).toBe(365 * 86_400);
      expect(loadConfig({ AUDIT_RETENTION: '90d' }).auditRetention).toBe(90 * 86_400);
      expect(configErrorFor({ AUDIT_RETENTION: 'forever' }).message).toContain('AUDIT_RETENTION');
    });

    it('reads LOG_FORMAT=json and rejects an unknown format', () => {
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(configErrorFor({ LOG_FORMAT: 'yaml' }).message).toContain('LOG_FORMAT');
    });
  });

  it('treats empty-string variables as unset', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '',
      ISSUER: '',
      DATA_DIR: '',
      DATABASE_URL: '',
      ACCESS_TOKEN_TTL: '',
      ID_TOKEN_TTL: '',
      REFRESH_TOKEN_TTL: '',
      AUTHORIZATION_CODE_TTL: '',
      SESSION_TTL: '',
      GRANT_TTL: '',
      INTERACTION_TTL: '',
      TRUST_PROXY: '',
      LOG_LEVEL: '',
      LOG_FORMAT: '',
    });
    expect(config).toEqual(loadConfig({}));
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ HOME: '/root', SOMETHING_ELSE: 'x' })).toEqual(loadConfig({}));
  });

  describe('people and mail', () => {
    it('defaults to invitations only, the outbox under DATA_DIR and a From on the issuer', () => {
      const config = loadConfig({ DATA_DIR: '/srv/gatehouse', ISSUER: 'https://id.example.com' });
      expect(config.signup).toBe('invite');
      expect(config.mail).toEqual({
        smtpUrl: undefined,
        from: 'Gatehouse <gatehouse@id.example.com>',
        outboxDir: '/srv/gatehouse/outbox',
      });
      expect(loadConfig({}).mail.from).toBe('Gatehouse <gatehouse@localhost>');
    });

    it('takes SIGNUP, SMTP_URL and MAIL_FROM', () => {
      const config = loadConfig({
        SIGNUP: 'open',
        SMTP_URL: 'smtps://user:pass@mail.example.com:465',
        MAIL_FROM: 'Team <id@example.com>',
      });
      expect(config.signup).toBe('open');
      expect(config.mail.smtpUrl).toBe('smtps://user:pass@mail.example.com:465');
      expect(config.mail.from).toBe('Team <id@example.com>');
    });

    it('refuses a bad SIGNUP, SMTP_URL or MAIL_FROM, naming each', () => {
      const error = configErrorFor({
        SIGNUP: 'anyone',
        SMTP_URL: 'http://mail.example.com',
        MAIL_FROM: 'not an address',
      });
      expect(error.message).toContain('SIGNUP:');
      expect(error.message).toContain('SMTP_URL: must be an smtp:// or smtps:// URL');
      expect(error.message).toContain('MAIL_FROM: must be an address');
    });
  });
});
