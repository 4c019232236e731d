import { Migration20261126000200_stock } from './Migration20261126000200_stock';

export const migrations = [{ name: 'Migration20261126000200_stock', class: Migration20261126000200_stock }];
