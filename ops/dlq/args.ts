import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export type DlqCommand =
  | { name: 'help' }
  | { name: 'list'; queue?: string; includeResolved: boolean }
  | { name: 'show'; id: string }
  | { name: 'replay'; select: { id: string } | { queue?: string }; force: boolean }
  | { name: 'purge'; queue?: string };

export interface DlqRequest {
  command: DlqCommand;
  json: boolean;
}

export const USAGE = `Usage: npm run dlq -- <command> [options]

Dead letters wait in each service's dead-letter queue (<service>-service-queue.dlq). The tool
first moves them into the service's dead-letter store (its database), under an id like cart-12.

Commands:
  list [--queue q] [--all]          move the queues into the stores, then list unresolved dead letters (--all: resolved ones too)
  show <id>                         one dead letter: reason, origin, headers and body
  replay <id> [--force]             publish it again to its original queue, with the same eventId
  replay --all [--queue q] [--force]
                                    replay every unresolved dead letter
  purge [--queue q]                 move the queues into the stores, then mark every unresolved dead letter purged (kept for audit)

Options:
  --queue q   a service (cart), its queue (cart-service-queue) or its dead-letter queue (cart-service-queue.dlq)
  --json      print one JSON document on stdout
  --force     replay a message older than the inbox's 7-day dedup window (the inbox may run it twice)

Environment: AMQP_URL, QUEUE_PREFIX, <SERVICE>_DATABASE_URL (e.g. CART_DATABASE_URL; default postgres://postgres@127.0.0.1:5432/<service>_db).
Exit codes: 0 done, 1 the command failed, 2 the command line is wrong.`;

const options = {
  queue: { type: 'string' },
  all: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Reads the command line; anything it does not understand is a UsageError saying what. */
export function parseDlqArgs(argv: string[]): DlqRequest {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  const json = values.json;
  if (values.help || name === 'help') return { command: { name: 'help' }, json };
  if (name === undefined) throw new UsageError('missing command: one of list, show, replay, purge');
  const refuse = (flags: (keyof typeof values)[]) => {
    const given = flags.filter((flag) => values[flag] !== undefined && values[flag] !== false);
    if (given.length > 0) throw new UsageError(`${name} does not take --${given.join(', --')}`);
  };
  const noMoreArguments = () => {
    if (rest.length > 0) throw new UsageError(`${name}: unexpected argument ${rest[0]}`);
  };
  switch (name) {
    case 'list':
      refuse(['force']);
      noMoreArguments();
      return { command: { name, queue: values.queue, includeResolved: values.all }, json };
    case 'show': {
      refuse(['queue', 'all', 'force']);
      const [id, ...more] = rest;
      if (id === undefined) throw new UsageError('show needs a dead letter id, e.g. show cart-12 (see list)');
      if (more.length > 0) throw new UsageError(`show: unexpected argument ${more[0]}`);
      return { command: { name, id }, json };
    }
    case 'replay': {
      const [id, ...more] = rest;
      if (more.length > 0) throw new UsageError(`replay: unexpected argument ${more[0]}`);
      if (id !== undefined && (values.all || values.queue !== undefined)) {
        throw new UsageError('replay takes either an id or --all [--queue q], not both');
      }
      if (id !== undefined) return { command: { name, select: { id }, force: values.force }, json };
      if (!values.all) throw new UsageError('replay needs a dead letter id, or --all [--queue q]');
      return { command: { name, select: { queue: values.queue }, force: values.force }, json };
    }
    case 'purge':
      refuse(['all', 'force']);
      noMoreArguments();
      return { command: { name, queue: values.queue }, json };
    default:
      throw new UsageError(`unknown command ${name}: one of list, show, replay, purge`);
  }
}
