import { Migration20261126000100_products } from './Migration20261126000100_products';

export const migrations = [{ name: 'Migration20261126000100_products', class: Migration20261126000100_products }];
