import { DateTimeScalar, DecimalScalar } from '@shop/platform';
import { Mutation } from './mutation';
import { Product } from './product';
import { Query } from './query';

export const resolvers = { DateTime: DateTimeScalar, Decimal: DecimalScalar, Query, Mutation, Product };
