import { deadLetterQueueOf, serviceQueueOf } from '@shop/events';
import { SERVICE_NAMES, type ServiceName, loadConfig } from '@shop/platform';
import { DlqError, UsageError } from './errors';

/** One service's dead letters: its dead-letter queue, the queue they came from, and the database holding its store. */
export interface DeadLetterTarget {
  service: ServiceName;
  queue: string;
  deadLetterQueue: string;
  databaseUrl: string;
}

export interface DlqConfig {
  amqpUrl: string;
  queuePrefix: string;
  targets: DeadLetterTarget[];
}

/** Every service there is, each with its database from `<SERVICE>_DATABASE_URL` or the services' own default. */
export function loadDlqConfig(env: NodeJS.ProcessEnv): DlqConfig {
  const configs = SERVICE_NAMES.map((service) => {
    // Only the connection settings matter here: secrets and production mode are the services' concern.
    const config = loadConfig(service, {
      AMQP_URL: env.AMQP_URL,
      QUEUE_PREFIX: env.QUEUE_PREFIX,
      DATABASE_URL: env[`${service.toUpperCase()}_DATABASE_URL`],
    });
    const queue = serviceQueueOf(service);
    return { config, target: { service, queue, deadLetterQueue: deadLetterQueueOf(queue), databaseUrl: config.databaseUrl } };
  });
  return { amqpUrl: configs[0].config.amqpUrl, queuePrefix: configs[0].config.queuePrefix, targets: configs.map((c) => c.target) };
}

/** The targets `--queue` names (a service, its queue or its dead-letter queue), or all of them. */
export function selectTargets(targets: DeadLetterTarget[], queue: string | undefined): DeadLetterTarget[] {
  if (queue === undefined) return targets;
  const target = targets.find((t) => [t.service, t.queue, t.deadLetterQueue].includes(queue));
  if (!target) throw new UsageError(`unknown queue ${queue}: one of ${targets.map((t) => t.service).join(', ')} (or its queue name)`);
  return [target];
}

/** The tool's id of a stored dead letter: the service, then the row's id in that service's store. */
export const deadLetterIdOf = (service: string, rowId: string): string => `${service}-${rowId}`;

export function parseDeadLetterId(targets: DeadLetterTarget[], id: string): { target: DeadLetterTarget; rowId: string } {
  const match = /^(.+)-(\d{1,18})$/.exec(id);
  if (!match) throw new UsageError(`malformed dead letter id ${id}: ids look like cart-12 (see list)`);
  const target = targets.find((t) => t.service === match[1]);
  if (!target) throw new DlqError(`no dead letter ${id}: there is no service ${match[1]}`);
  return { target, rowId: match[2] };
}
