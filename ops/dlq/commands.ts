import { type DeadLetter, type DeadLetterStore, SEVEN_DAYS_MS, replayHeaders, sentAtOf } from '@shop/events';
import type { DlqCommand } from './args';
import type { MoveOptions } from './broker';
import { DlqError } from './errors';
import { type DlqSession, StoreMissing } from './session';
import { type DeadLetterTarget, deadLetterIdOf, parseDeadLetterId, selectTargets } from './targets';

/** One stored dead letter as the tool reports it. */
export interface DeadLetterSummary {
  id: string;
  eventId: string | null;
  eventType: string | null;
  service: string;
  originQueue: string;
  reason: string | null;
  attempts: number | null;
  deadLetteredAt: string | null;
  movedAt: string;
  resolution: 'replayed' | 'purged' | null;
  resolvedAt: string | null;
}

export interface DeadLetterDetail extends DeadLetterSummary {
  messageId: string | null;
  messageTimestamp: string | null;
  originExchange: string | null;
  originRoutingKey: string | null;
  headers: Record<string, unknown>;
  /** The body as UTF-8 text (a JSON envelope, unless the message was malformed). */
  body: string;
}

/** What moving the queues into the stores did: how many messages it stored, and which services had nothing to look at. */
export interface Moved {
  moved: number;
  /** Services with neither a dead-letter queue nor a store yet (never started). */
  skipped: string[];
}

export type DlqResult =
  | ({ command: 'list'; deadLetters: DeadLetterSummary[] } & Moved)
  | { command: 'show'; deadLetter: DeadLetterDetail }
  | ({ command: 'replay'; replayed: DeadLetterSummary[] } & Moved)
  | ({ command: 'purge'; purged: DeadLetterSummary[] } & Moved);

export interface RunOptions {
  move?: MoveOptions;
}

export async function runCommand(
  session: DlqSession,
  command: Exclude<DlqCommand, { name: 'help' }>,
  options: RunOptions = {},
): Promise<DlqResult> {
  switch (command.name) {
    case 'list':
      return list(session, command.queue, command.includeResolved, options);
    case 'show':
      return show(session, command.id);
    case 'replay':
      return 'id' in command.select
        ? replayOne(session, command.select.id, command.force)
        : replayAll(session, command.select.queue, command.force, options);
    case 'purge':
      return purge(session, command.queue, options);
  }
}

interface OpenStore {
  target: DeadLetterTarget;
  store: DeadLetterStore;
}

/** Moves the selected dead-letter queues into their stores; AMQP cannot fetch a message by id, a store can. */
export async function moveIntoStores(
  session: DlqSession,
  queue: string | undefined,
  options: RunOptions = {},
): Promise<{ stores: OpenStore[] } & Moved> {
  const stores: OpenStore[] = [];
  const skipped: string[] = [];
  let moved = 0;
  for (const target of selectTargets(session.config.targets, queue)) {
    const queueExists = (await session.broker.depth(target.deadLetterQueue)) !== undefined;
    let store: DeadLetterStore;
    try {
      store = await session.store(target);
    } catch (err) {
      if (err instanceof StoreMissing && !queueExists) {
        skipped.push(target.service);
        continue;
      }
      throw err;
    }
    moved += await session.broker.moveIntoStore(target.deadLetterQueue, store, options.move);
    stores.push({ target, store });
  }
  return { stores, moved, skipped };
}

async function list(session: DlqSession, queue: string | undefined, includeResolved: boolean, options: RunOptions): Promise<DlqResult> {
  const { stores, moved, skipped } = await moveIntoStores(session, queue, options);
  const deadLetters: DeadLetterSummary[] = [];
  for (const { target, store } of stores) {
    for (const letter of await store.list([target.deadLetterQueue], { includeResolved })) deadLetters.push(summarize(target, letter));
  }
  return { command: 'list', deadLetters, moved, skipped };
}

async function show(session: DlqSession, id: string): Promise<DlqResult> {
  const { target, letter } = await findById(session, id);
  return {
    command: 'show',
    deadLetter: {
      ...summarize(target, letter),
      messageId: letter.messageId ?? null,
      messageTimestamp: letter.messageTimestamp?.toISOString() ?? null,
      originExchange: letter.originExchange ?? null,
      originRoutingKey: letter.originRoutingKey ?? null,
      headers: letter.headers,
      body: Buffer.from(letter.body).toString('utf8'),
    },
  };
}

async function replayOne(session: DlqSession, id: string, force: boolean): Promise<DlqResult> {
  const { target, store, letter } = await findById(session, id);
  refuseOld([{ target, letter }], force);
  return { command: 'replay', replayed: [await replay(session, target, store, letter)], moved: 0, skipped: [] };
}

async function replayAll(session: DlqSession, queue: string | undefined, force: boolean, options: RunOptions): Promise<DlqResult> {
  const { stores, moved, skipped } = await moveIntoStores(session, queue, options);
  const pending: (OpenStore & { letter: DeadLetter })[] = [];
  for (const { target, store } of stores) {
    for (const letter of await store.list([target.deadLetterQueue])) pending.push({ target, store, letter });
  }
  refuseOld(pending, force);
  const replayed: DeadLetterSummary[] = [];
  for (const { target, store, letter } of pending) replayed.push(await replay(session, target, store, letter));
  return { command: 'replay', replayed, moved, skipped };
}

async function purge(session: DlqSession, queue: string | undefined, options: RunOptions): Promise<DlqResult> {
  const { stores, moved, skipped } = await moveIntoStores(session, queue, options);
  const purged: DeadLetterSummary[] = [];
  for (const { target, store } of stores) {
    const letters = await store.list([target.deadLetterQueue]);
    await store.resolve(
      target.deadLetterQueue,
      letters.map((letter) => letter.id),
      'purged',
    );
    for (const letter of await store.find(
      target.deadLetterQueue,
      letters.map((l) => l.id),
    ))
      purged.push(summarize(target, letter));
  }
  return { command: 'purge', purged, moved, skipped };
}

/**
 * Publishes the stored message again to the queue its dead-letter queue belongs to, with its own
 * message id and eventId (so the inbox drops it if it was applied after all), then marks it
 * replayed. Dying in between replays it twice, which the inbox absorbs.
 */
async function replay(
  session: DlqSession,
  target: DeadLetterTarget,
  store: DeadLetterStore,
  letter: DeadLetter,
): Promise<DeadLetterSummary> {
  await session.broker.republish(target.queue, {
    body: Buffer.from(letter.body),
    messageId: letter.messageId ?? undefined,
    headers: replayHeaders(letter.headers),
  });
  await store.resolve(target.deadLetterQueue, [letter.id], 'replayed');
  const [resolved] = await store.find(target.deadLetterQueue, [letter.id]);
  return summarize(target, resolved);
}

/**
 * The inbox remembers an eventId for 7 days after it applied it; a message sent longer ago than
 * that may have been applied and forgotten, so replaying it could apply it twice.
 */
function refuseOld(letters: { target: DeadLetterTarget; letter: DeadLetter }[], force: boolean): void {
  if (force) return;
  const old = letters.filter(({ letter }) => Date.now() - sentAtOf(letter).getTime() > SEVEN_DAYS_MS);
  if (old.length === 0) return;
  const ids = old.map(({ target, letter }) => deadLetterIdOf(target.service, letter.id)).join(', ');
  throw new DlqError(
    `nothing replayed: ${ids} ${old.length === 1 ? 'was' : 'were'} sent more than 7 days ago, past the inbox's dedup window, ` +
      'so the inbox may no longer recognise a message it already applied; add --force to replay anyway',
  );
}

async function findById(session: DlqSession, id: string): Promise<OpenStore & { letter: DeadLetter }> {
  const { target, rowId } = parseDeadLetterId(session.config.targets, id);
  const store = await session.store(target);
  const [letter] = await store.find(target.deadLetterQueue, [rowId]);
  if (!letter) throw new DlqError(`no dead letter ${id} in the ${target.service} store (see list --all)`);
  return { target, store, letter };
}

function summarize(target: DeadLetterTarget, letter: DeadLetter): DeadLetterSummary {
  return {
    id: deadLetterIdOf(target.service, letter.id),
    eventId: letter.eventId ?? null,
    eventType: letter.eventType ?? null,
    service: target.service,
    originQueue: letter.originQueue ?? target.queue,
    reason: letter.reason ?? null,
    attempts: letter.attempts ?? null,
    deadLetteredAt: letter.deadLetteredAt?.toISOString() ?? null,
    movedAt: letter.movedAt.toISOString(),
    resolution: letter.resolution ?? null,
    resolvedAt: letter.resolvedAt?.toISOString() ?? null,
  };
}
