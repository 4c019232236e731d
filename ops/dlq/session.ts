import { DeadLetter, DeadLetterStore, redactCredentials } from '@shop/events';
import { MikroORM } from '@mikro-orm/postgresql';
import { DeadLetterBroker } from './broker';
import { DlqError } from './errors';
import type { DeadLetterTarget, DlqConfig } from './targets';

/** A store the tool cannot use because it does not exist yet (no database, or not migrated). */
export class StoreMissing extends DlqError {}

/** The broker connection and the service databases a command works with, opened as needed. */
export class DlqSession {
  private readonly orms = new Map<string, Promise<MikroORM>>();

  private constructor(
    readonly config: DlqConfig,
    readonly broker: DeadLetterBroker,
  ) {}

  static async open(config: DlqConfig): Promise<DlqSession> {
    return new DlqSession(config, await DeadLetterBroker.connect(config.amqpUrl, config.queuePrefix));
  }

  /** The target's store, after checking that its database has the `dead_letters` table. */
  async store(target: DeadLetterTarget): Promise<DeadLetterStore> {
    let orm = this.orms.get(target.databaseUrl);
    if (!orm) {
      orm = MikroORM.init({
        clientUrl: target.databaseUrl,
        entities: [DeadLetter],
        // A review tool reads what is there: creating a missing database would hide a wrong URL.
        ensureDatabase: false,
        pool: { min: 0, max: 2 },
        allowGlobalContext: false,
        debug: false,
      });
      this.orms.set(target.databaseUrl, orm);
    }
    try {
      const ready = await orm;
      await ready.em.getConnection().execute('select 1 from "dead_letters" limit 1');
      return new DeadLetterStore(ready);
    } catch (err) {
      throw describeStoreError(target, err as Error & { code?: string });
    }
  }

  async close(): Promise<void> {
    await this.broker.close();
    for (const orm of this.orms.values()) {
      await orm.then(
        (opened) => opened.close(),
        () => undefined,
      );
    }
  }
}

function describeStoreError(target: DeadLetterTarget, err: Error & { code?: string }): DlqError {
  const where = `the ${target.service} database (${redactCredentials(target.databaseUrl)})`;
  const setting = `${target.service.toUpperCase()}_DATABASE_URL`;
  if (err.code === '3D000') return new StoreMissing(`${where} does not exist: start the ${target.service} service once, or set ${setting}`);
  if (err.code === '42P01') {
    return new StoreMissing(`${where} has no dead_letters table: start the ${target.service} service once so it applies its migrations`);
  }
  return new DlqError(`cannot read ${where}: ${err.message} (is PostgreSQL running? set ${setting} to point elsewhere)`);
}
