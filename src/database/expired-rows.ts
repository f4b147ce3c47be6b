import { Injectable, SetMetadata } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

const EXPIRING_ROWS = Symbol('gatehouse:expiring-rows');

/**
 * A table's owner whose rows expire. Reads ignore expired rows already; purging only reclaims
 * the space, so it runs from `tokens:purge` (cron), not on the request path.
 */
export interface ExpiringRows {
  /** Deletes this owner's expired rows as of `now` (ms); how many went. */
  purgeExpired(now: number): Promise<number>;
}

/** Marks a provider as an {@link ExpiringRows} owner, so that {@link ExpiredRowsPurge} finds it. */
export const PurgesExpiredRows = (): ClassDecorator => SetMetadata(EXPIRING_ROWS, true);

/**
 * `tokens:purge`: asks every owner of expiring rows in the application to delete its own, so no
 * code but a table's owner ever deletes from it.
 */
@Injectable()
export class ExpiredRowsPurge {
  constructor(private readonly discovery: DiscoveryService) {}

  async purgeExpired(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (const owner of this.owners()) {
      deleted += await owner.purgeExpired(now);
    }
    return deleted;
  }

  private owners(): ExpiringRows[] {
    const owners = new Set<ExpiringRows>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as object | undefined;
      if (instance && Reflect.getMetadata(EXPIRING_ROWS, instance.constructor) === true) {
        owners.add(instance as ExpiringRows);
      }
    }
    return [...owners];
  }
}
