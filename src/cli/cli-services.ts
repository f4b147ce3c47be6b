/**
 * What the commands take from the application, imported only once a command runs (main.ts),
 * never for `--help` or a usage error: these modules bring Nest, TypeORM, argon2 and every
 * service, most of the CLI's start-up time.
 */
export { getDataSourceToken } from '@nestjs/typeorm';
export { ExpiredRowsPurge } from '../database/expired-rows.js';
export { backupSqlite } from '../database/backup.js';
export { UsersService } from '../identity/users.service.js';
export { KeysService } from '../keys/keys.service.js';
export { ClientsService } from '../oauth/clients/clients.service.js';
export { Invitations } from '../people/invitations.service.js';
export { UserLifecycle } from '../people/user-lifecycle.service.js';
