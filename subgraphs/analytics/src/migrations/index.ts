import { Migration20261128000100_analytics } from './Migration20261128000100_analytics';

export const migrations = [{ name: 'Migration20261128000100_analytics', class: Migration20261128000100_analytics }];
