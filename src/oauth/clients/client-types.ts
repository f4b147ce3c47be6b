/** The kinds of application, with no TypeORM attached (the CLI's help lists them). */
export const CLIENT_TYPES = ['web', 'spa', 'native', 'device', 'service'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
