import { z } from 'zod';

/** The services that own a domain; each publishes its own events from `<domain>-service`. */
export type Domain = 'product' | 'inventory' | 'cart' | 'order' | 'payment' | 'checkout';

export const sourceOf = (domain: Domain): string => `${domain}-service`;

interface ContractBase<Name extends string, Data> {
  readonly name: Name;
  readonly version: string;
  readonly data: z.ZodType<Data>;
  /** The aggregate a message belongs to: the outbox keeps messages of one aggregate in order. */
  readonly aggregateOf: (data: Data) => string;
}

/** Something that happened, named in the past tense, published by the domain that owns it. */
// `any` by default: a contract of any data must fit where any contract is expected (aggregateOf takes its data).
export interface EventContract<Name extends string = string, Data = any> extends ContractBase<Name, Data> {
  readonly kind: 'event';
  readonly domain: Domain;
}

/** An instruction to one service, named in the imperative, sent point to point. */
export interface CommandContract<Name extends string = string, Data = any> extends ContractBase<Name, Data> {
  readonly kind: 'command';
  /** The service that carries it out. */
  readonly to: Domain;
  /** The services allowed to send it. */
  readonly from: readonly Domain[];
  /** Forward commands carry a deadline (`notAfter`); compensations and confirmations never expire. */
  readonly expires: boolean;
}

export type MessageContract<Name extends string = string, Data = any> = EventContract<Name, Data> | CommandContract<Name, Data>;

export type DataOf<C> = C extends ContractBase<string, infer D> ? D : never;

export function defineEvent<Name extends string, Schema extends z.ZodType>(spec: {
  name: Name;
  version: string;
  domain: Domain;
  data: Schema;
  aggregateOf: (data: z.infer<Schema>) => string;
}): EventContract<Name, z.infer<Schema>> {
  return { kind: 'event', ...spec, data: spec.data as z.ZodType<z.infer<Schema>> };
}

export function defineCommand<Name extends string, Schema extends z.ZodType>(spec: {
  name: Name;
  version: string;
  to: Domain;
  from: readonly Domain[];
  expires: boolean;
  data: Schema;
  aggregateOf: (data: z.infer<Schema>) => string;
}): CommandContract<Name, z.infer<Schema>> {
  return { kind: 'command', ...spec, data: spec.data as z.ZodType<z.infer<Schema>> };
}

/** Where a message is published: events to their domain's topic exchange, commands to the receiver's. */
export function exchangeOf(contract: MessageContract): string {
  return contract.kind === 'event' ? `${contract.domain}-events` : `${contract.to}-commands`;
}
