import { Migration20261127000200_payments } from './Migration20261127000200_payments';

export const migrations = [{ name: 'Migration20261127000200_payments', class: Migration20261127000200_payments }];
