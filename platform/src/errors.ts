import { GraphQLError } from 'graphql';
import type { Identity } from './identity';

// The contract's error codes (api.graphql), each with a clear message.

export const notFound = (what: string): GraphQLError => new GraphQLError(`${what} not found`, { extensions: { code: 'NOT_FOUND' } });

export const badUserInput = (message: string, argument?: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argumentName: argument } : {}) } });

export const conflict = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'CONFLICT' } });

export function requireIdentity(identity: Identity | null): Identity {
  if (!identity) throw new GraphQLError('sign in first: this needs a bearer token', { extensions: { code: 'UNAUTHENTICATED' } });
  return identity;
}

export function requireAdmin(identity: Identity | null): Identity {
  const who = requireIdentity(identity);
  if (who.role !== 'admin') throw new GraphQLError('this needs the admin role', { extensions: { code: 'FORBIDDEN' } });
  return who;
}

/** Whether the caller may see a customer's data: their own, or any as admin. */
export const canSee = (identity: Identity | null, customerId: string): boolean =>
  !!identity && (identity.role === 'admin' || identity.sub === customerId);
