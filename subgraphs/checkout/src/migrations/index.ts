import { Migration20261126000600_checkouts } from './Migration20261126000600_checkouts';

export const migrations = [{ name: 'Migration20261126000600_checkouts', class: Migration20261126000600_checkouts }];
