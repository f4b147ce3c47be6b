import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHasher } from './password-hasher.js';
import { AuthenticatorApps } from './second-factors/authenticator-apps.service.js';
import { RecoveryCodes } from './second-factors/recovery-codes.service.js';
import { SecondFactorThrottle } from './second-factors/second-factor-throttle.js';
import { SecondFactors } from './second-factors/second-factors.service.js';
import { UserEntity } from './user.entity.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [
    PasswordHasher,
    UsersService,
    AuthenticatorApps,
    RecoveryCodes,
    SecondFactors,
    SecondFactorThrottle,
  ],
  exports: [UsersService, AuthenticatorApps, RecoveryCodes, SecondFactors, SecondFactorThrottle],
})
export class IdentityModule {}
