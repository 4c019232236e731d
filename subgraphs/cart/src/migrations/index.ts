import { Migration20261126000300_carts } from './Migration20261126000300_carts';

export const migrations = [{ name: 'Migration20261126000300_carts', class: Migration20261126000300_carts }];
