import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  parse,
} from 'graphql';
import type { OperationLimits } from '../settings';

export const OPERATION_LIMIT = 'OPERATION_LIMIT';

/** An operation refused for asking too much; the message says which limit. */
export class OperationLimitError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: OPERATION_LIMIT } });
  }
}

// Armor reports through a callback; its messages start with a misleading "Syntax Error: ".
const reportLimit: GraphQLArmorRejectCallback = (context, error) =>
  context?.reportError(new OperationLimitError(error.message.replace(/^Syntax Error: /, '')));
const armorOptions = { onReject: [reportLimit], propagateOnRejection: false };

/**
 * The validation rules that hold an operation to the limits (tokens are counted while parsing, see
 * `parseWithinLimits`). Depth and cost ignore introspection, as GraphQL Armor does, and fragments
 * add no depth of their own.
 */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return [
    maxDepthRule({ ...armorOptions, n: limits.maxDepth, flattenFragments: true }),
    maxAliasesRule({ ...armorOptions, n: limits.maxAliases }),
    maxDirectivesRule({ ...armorOptions, n: limits.maxDirectives }),
    costLimitRule({ ...armorOptions, maxCost: limits.maxCost, flattenFragments: true }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

/**
 * A rule that reports, as a validation error, the GraphQLError it would throw. graphql-js's own
 * SingleFieldSubscriptionsRule evaluates `@include`/`@skip` with no variables and throws on
 * `@include(if: $x)`; thrown out of validation, that was an internal error instead of the client's.
 */
export function reportingThrownErrors(rule: ValidationRule): ValidationRule {
  type VisitFn = (this: unknown, ...args: unknown[]) => unknown;
  return (context) => {
    const guard = (visit: unknown) =>
      typeof visit !== 'function'
        ? visit
        : function (this: unknown, ...args: unknown[]) {
            try {
              return (visit as VisitFn).apply(this, args);
            } catch (err) {
              if (!(err instanceof GraphQLError)) throw err;
              context.reportError(err);
              return false;
            }
          };
    const visitor = rule(context) as Record<string, unknown>;
    const guarded = Object.entries(visitor).map(([key, visit]) => {
      if (visit === null || typeof visit !== 'object') return [key, guard(visit)];
      const { enter, leave } = visit as { enter?: unknown; leave?: unknown };
      return [key, { enter: guard(enter), leave: guard(leave) }];
    });
    return Object.fromEntries(guarded) as ASTVisitor;
  };
}

/** At most `max` root fields per operation, counted through fragments; `__typename` is free. */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const fragments = new Map(
        context
          .getDocument()
          .definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
          .map((fragment) => [fragment.name.value, fragment]),
      );
      const count = countRootFields(operation.selectionSet, fragments, new Set());
      if (count > max) context.reportError(new OperationLimitError(`Root field limit of ${max} exceeded, found ${count}.`));
    },
  });
}

function countRootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, spread: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(selection.selectionSet, fragments, spread);
    } else {
      // A fragment spread twice (or in a cycle, which validation refuses anyway) counts once.
      const fragment = fragments.get(selection.name.value);
      if (!fragment || spread.has(fragment.name.value)) continue;
      spread.add(fragment.name.value);
      count += countRootFields(fragment.selectionSet, fragments, spread);
    }
  }
  return count;
}

/** graphql-js's own message when a document has more tokens than `parse` was allowed (16.x spells it "more that"). */
const isTokenLimitMessage = (message: string, maxTokens: number) =>
  message === `Syntax Error: Document contains more that ${maxTokens} tokens. Parsing aborted.` ||
  message === `Syntax Error: Document contains more than ${maxTokens} tokens. Parsing aborted.`;
const tokenLimitError = (maxTokens: number) => new OperationLimitError(`Token limit of ${maxTokens} exceeded.`);

/** Parses a document, stopping past `maxTokens` tokens with an OperationLimitError; other syntax errors as `parse` throws them. */
export function parseWithinLimits(source: string, maxTokens: number): DocumentNode {
  try {
    return parse(source, { maxTokens });
  } catch (err) {
    if (err instanceof GraphQLError && isTokenLimitMessage(err.message, maxTokens)) throw tokenLimitError(maxTokens);
    throw err;
  }
}

/**
 * The OperationLimitError behind an error Apollo Server wrapped (it gives every validation error the
 * code GRAPHQL_VALIDATION_FAILED, and every parse error GRAPHQL_PARSE_FAILED), or undefined.
 */
export function operationLimitErrorOf(error: unknown, maxTokens: number): OperationLimitError | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const original = error.originalError ?? error;
  if (original instanceof OperationLimitError) return original;
  if (isTokenLimitMessage(original.message, maxTokens)) return tokenLimitError(maxTokens);
  return undefined;
}
