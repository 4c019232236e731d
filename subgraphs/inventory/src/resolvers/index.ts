import { Mutation } from './mutation';
import { Product } from './product';

export const resolvers = { Mutation, Product };
