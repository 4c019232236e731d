import type { MessageContract } from '../contract';
import * as cart from './cart';
import * as checkout from './checkout';
import * as commands from './commands';
import * as inventory from './inventory';
import * as order from './order';
import * as payment from './payment';
import * as product from './product';

export * from './cart';
export * from './checkout';
export * from './commands';
export * from './inventory';
export * from './order';
export * from './payment';
export * from './product';

const isContract = (value: unknown): value is MessageContract =>
  typeof value === 'object' && value !== null && 'kind' in value && 'name' in value && 'version' in value;

/** Every message type the system knows, events and commands. */
export const catalog: readonly MessageContract[] = [product, inventory, order, payment, cart, checkout, commands]
  .flatMap((domain) => Object.values(domain))
  .filter(isContract);
