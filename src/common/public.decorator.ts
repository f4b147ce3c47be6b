import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gatehouse:public';

/**
 * Opts a controller or handler out of the global access token guard (resources/auth). Everything
 * else needs a valid access token for this server's API: secure by default, as in nestjs/nest's
 * sample 19-auth-jwt. Pages, assets and the health check are public; the API is not.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
