import { InitialSchema1764270000000 } from './1764270000000-initial-schema.js';
import { LoginThrottle1764280000000 } from './1764280000000-login-throttle.js';
import { ResourceServer1764290000000 } from './1764290000000-resource-server.js';
import { Applications1764300000000 } from './1764300000000-applications.js';
import { DeviceFlow1764310000000 } from './1764310000000-device-flow.js';
import { PersonalAccessTokens1764320000000 } from './1764320000000-personal-access-tokens.js';
import { FirstPartyApps1764330000000 } from './1764330000000-first-party-apps.js';
import { DpopProofs1764340000000 } from './1764340000000-dpop-proofs.js';
import { UserLifecycle1764350000000 } from './1764350000000-user-lifecycle.js';
import { SessionActivity1764360000000 } from './1764360000000-session-activity.js';
import { TokenExchange1764900000000 } from './1764900000000-token-exchange.js';
import { SecondFactors1764500000000 } from './1764500000000-second-factors.js';
import { Passkeys1764600000000 } from './1764600000000-passkeys.js';

/**
 * Every schema change, oldest first, for both drivers (`./dialect.ts` says how to add one).
 * TypeORM knows which ones a database has by their names: append, never rename or remove.
 */
export const MIGRATIONS = [
  InitialSchema1764270000000,
  LoginThrottle1764280000000,
  ResourceServer1764290000000,
  Applications1764300000000,
  DeviceFlow1764310000000,
  PersonalAccessTokens1764320000000,
  FirstPartyApps1764330000000,
  DpopProofs1764340000000,
  UserLifecycle1764350000000,
  SessionActivity1764360000000,
  SecondFactors1764500000000,
  Passkeys1764600000000,
  TokenExchange1764900000000,
];
