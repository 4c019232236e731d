import { Migration20261128000200_emails } from './Migration20261128000200_emails';

export const migrations = [{ name: 'Migration20261128000200_emails', class: Migration20261128000200_emails }];
