import { z } from 'zod';
import { defineEvent } from '../contract';
import { CustomerId, StockLine } from '../primitives';

export const CartCleared = defineEvent({
  name: 'CartCleared',
  version: '1.0',
  domain: 'cart',
  data: z.object({ customerId: CustomerId }),
  aggregateOf: (d) => d.customerId,
});

export const CartExpired = defineEvent({
  name: 'CartExpired',
  version: '1.0',
  domain: 'cart',
  data: z.object({ customerId: CustomerId, lines: z.array(StockLine) }),
  aggregateOf: (d) => d.customerId,
});
