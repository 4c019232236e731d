import { DateTimeScalar, DecimalScalar } from '@shop/platform';
import { Mutation } from './mutation';
import { Order } from './order';
import { Query } from './query';

export const resolvers = { DateTime: DateTimeScalar, Decimal: DecimalScalar, Query, Mutation, Order };
