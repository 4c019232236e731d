export * from './bus';
export * from './catalog';
export * from './contract';
export * from './dead-letters/dead-letter';
export * from './dead-letters/dead-letter.entity';
export * from './dead-letters/metrics';
export * from './dead-letters/store';
export * from './envelope';
export * from './inbox/consumer';
export * from './inbox/processed-event.entity';
export * from './inbox/retention';
export * from './logger';
export * from './metrics';
export * from './migrations';
export * from './outbox/outbox';
export * from './outbox/outbox-message.entity';
export * from './outbox/outbox-relay';
export * from './primitives';
export * from './retry-policy';
export * from './tracing';
export * from './transport/delegating-transport';
export * from './transport/in-memory-transport';
export * from './transport/rabbitmq-transport';
export * from './transport/transport';

import { DeadLetter } from './dead-letters/dead-letter.entity';
import { ProcessedEvent } from './inbox/processed-event.entity';
import { outboxWriter } from './outbox/outbox';
import { OutboxMessage } from './outbox/outbox-message.entity';

/** The entities every service's ORM configuration lists beside its own. */
export const messagingEntities = [OutboxMessage, ProcessedEvent, DeadLetter];

/** The event subscribers every service's ORM configuration lists: the outbox is written as the unit of work flushes. */
export const messagingSubscribers = [outboxWriter];
