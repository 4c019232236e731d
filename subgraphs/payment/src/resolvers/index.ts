import { DecimalScalar } from '@shop/platform';
import { Checkout } from './checkout';
import { Order } from './order';
import { Payment } from './payment';

export const resolvers = { Decimal: DecimalScalar, Payment, Order, Checkout };
