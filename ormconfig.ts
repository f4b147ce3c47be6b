import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/load-config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

/**
 * The TypeORM DataSource for the `typeorm` CLI (migration:run, migration:revert,
 * migration:generate). It reads the same environment as the app: DATABASE_URL or DATA_DIR.
 */
const config = loadConfig();
export default new DataSource(dataSourceOptions(config.database, config.databaseBusyTimeout));
