import { Controller, Get, Module, Post } from '@nestjs/common';
import {
  AccessToken,
  AnyScope,
  Public,
  RequiresUser,
  Scopes,
} from '../../src/resources/auth/decorators.js';
import type { AccessTokenContext } from '../../src/tokens/access-token-context.js';

/** Scopes on the class; handlers add their own. */
@Controller('api/probe/all')
@Scopes('drive.read')
class AllScopesProbe {
  @Get()
  classOnly() {
    return { ok: true };
  }

  @Get('and-handler')
  @Scopes('drive.write')
  classAndHandler() {
    return { ok: true };
  }

  @Get('public')
  @Public()
  open(@AccessToken() token: AccessTokenContext | undefined) {
    return { ok: true, token: token ?? null };
  }
}

@Controller('api/probe/any')
@AnyScope('drive.read', 'drive.write')
class AnyScopeProbe {
  @Get()
  classOnly() {
    return { ok: true };
  }

  @Get('and-handler')
  @Scopes('profile')
  classAndHandler() {
    return { ok: true };
  }
}

/** No class requirement: only the handlers say what they need. */
@Controller('api/probe/handler')
class HandlerScopesProbe {
  @Get('token')
  token(@AccessToken() token: AccessTokenContext) {
    return token;
  }

  @Get('any')
  @AnyScope('drive.write', 'profile')
  any() {
    return { ok: true };
  }

  @Get('both')
  @Scopes('drive.read')
  @Scopes('drive.write')
  both() {
    return { ok: true };
  }

  @Post('user')
  @RequiresUser()
  user() {
    return { ok: true };
  }
}

/** The whole controller is public. */
@Controller('api/probe/public')
@Public()
class PublicProbe {
  @Get()
  open() {
    return { ok: true };
  }
}

/** Test-only controllers that exercise the global guard and its decorators. */
@Module({ controllers: [AllScopesProbe, AnyScopeProbe, HandlerScopesProbe, PublicProbe] })
export class GuardProbeModule {}
