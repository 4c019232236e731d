import { DateTimeScalar, DecimalScalar } from '@shop/platform';
import { Cart } from './cart';
import { CartLine } from './cart-line';
import { Mutation } from './mutation';
import { Query } from './query';

export const resolvers = { DateTime: DateTimeScalar, Decimal: DecimalScalar, Query, Mutation, Cart, CartLine };
