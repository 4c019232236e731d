import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  executeSync,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  print,
  visit,
} from 'graphql';

/** A query that reads, as the subscriber, what the subscription selects (see `readQuery`). */
export interface ReadQuery {
  query: string;
  operationName: string;
  variables(id: string): Record<string, unknown>;
}

/** A subgraph answer as the gateway's executor gives it. */
export interface ReadResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

export const badRequest = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * One subscription operation of a client, validated against the supergraph's API schema: its single
 * root field and arguments, the queries that read its selection through the supergraph, and the
 * messages shaped exactly as the client selected them.
 */
export class SubscriptionOperation {
  private constructor(
    private readonly schema: GraphQLSchema,
    private readonly document: DocumentNode,
    private readonly operation: OperationDefinitionNode,
    private readonly rootField: FieldNode,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    /** The client's variables, as sent. */
    private readonly variables: Record<string, unknown>,
    /** The root field's arguments, coerced. */
    readonly args: Record<string, unknown>,
  ) {}

  /** The root field, e.g. `checkoutStatusChanged`. */
  get fieldName(): string {
    return this.rootField.name.value;
  }

  /** Where the client finds the root field in each message (its alias, or its name). */
  get responseKey(): string {
    return (this.rootField.alias ?? this.rootField.name).value;
  }

  /** The subscription a document (already validated against `schema`) asks for, or why it cannot be served. */
  static of(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown> = {},
  ): SubscriptionOperation | readonly GraphQLError[] {
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return [badRequest(operationName ? `the document has no operation named "${operationName}"` : 'name the operation to run')];
    const subscriptionType = schema.getSubscriptionType();
    if (operation.operation !== 'subscription' || !subscriptionType) {
      return [badRequest('only subscriptions are served over WebSocket: send queries and mutations to POST /graphql')];
    }
    const fragments = fragmentsOf(document);
    const rootFields = fieldsOf(operation.selectionSet, fragments);
    if (rootFields.length !== 1) return [badRequest('a subscription selects exactly one root field')];
    const [rootField] = rootFields;
    const fieldDefinition = subscriptionType.getFields()[rootField.name.value];
    if (!fieldDefinition) return [badRequest(`Subscription has no field ${rootField.name.value}`)];
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return coerced.errors;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(fieldDefinition, rootField, coerced.coerced);
    } catch (err) {
      if (err instanceof GraphQLError) return [err];
      throw err;
    }
    return new SubscriptionOperation(schema, document, operation, rootField, fragments, variables, args);
  }

  /** Whether every field selected under the root field is one of these leaf fields (or `__typename`). */
  selectsOnly(fields: ReadonlySet<string>): boolean {
    const allowed = (selectionSet: SelectionSetNode): boolean =>
      selectionSet.selections.every((selection) => {
        if (selection.kind === Kind.FIELD) {
          return !selection.selectionSet && (selection.name.value === '__typename' || fields.has(selection.name.value));
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) return allowed(selection.selectionSet);
        const fragment = this.fragments.get(selection.name.value);
        return fragment !== undefined && allowed(fragment.selectionSet);
      });
    return this.rootField.selectionSet !== undefined && allowed(this.rootField.selectionSet);
  }

  /**
   * The query that reads the client's selection from `queryField(id: $id)` (e.g. `checkout`), or
   * `queryField(<argument>: $id)` (e.g. `product(sku:)`), with the client's variables and
   * fragments, answered under the client's response key.
   */
  readQuery(queryField: string, operationName: string, argument = 'id'): ReadQuery {
    const selectionSet = this.rootField.selectionSet;
    if (!selectionSet) throw new Error(`${this.fieldName} returns an object: its selection cannot be empty`);
    const fragments = reachableFragments(selectionSet, this.fragments);
    const used = variablesIn([selectionSet, ...fragments]);
    const declared = (this.operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value));
    let idVariable = 'id';
    while (used.has(idVariable)) idVariable += '_';
    const definitions = [...declared.map((definition) => print(definition)), `$${idVariable}: ID!`].join(', ');
    const query = [
      `query ${operationName}(${definitions}) { ${this.responseKey}: ${queryField}(${argument}: $${idVariable}) ${print(selectionSet)} }`,
      ...fragments.map((fragment) => print(fragment)),
    ].join('\n');
    const clientVariables = Object.fromEntries(Object.entries(this.variables).filter(([name]) => used.has(name)));
    // A method, not an arrow property: tsx gives an arrow property a name property of its own, per subscription.
    return {
      query,
      operationName,
      variables(id) {
        return { ...clientVariables, [idVariable]: id };
      },
    };
  }

  /**
   * The message for the client: `base` (an answer of `readQuery`, or `{}`) shaped as the client
   * selected it, with these fields of the root object replaced (the status from an event wins).
   */
  message(
    base: Record<string, unknown> | null | undefined,
    overlay: Record<string, unknown>,
    errors: readonly GraphQLError[] = [],
  ): ExecutionResult {
    if (!base) return { data: null, errors: [...errors] };
    const fieldResolver: GraphQLFieldResolver<Record<string, unknown>, unknown> = (source, _args, _context, info) => {
      const onRootObject = info.path.prev !== undefined && info.path.prev.prev === undefined;
      if (onRootObject && Object.hasOwn(overlay, info.fieldName)) return overlay[info.fieldName];
      // `base` is keyed as the client asked: by alias where it gave one.
      return source[info.path.key as string];
    };
    const shaped = executeSync({
      schema: this.schema,
      document: this.document,
      // Anonymous only when it is the document's one operation.
      operationName: this.operation.name?.value,
      variableValues: this.variables,
      rootValue: { [this.responseKey]: base },
      fieldResolver,
    });
    const allErrors = [...(shaped.errors ?? []), ...errors];
    return allErrors.length > 0 ? { data: shaped.data, errors: allErrors } : { data: shaped.data };
  }
}

/** Errors of an executor answer, as errors to send on. */
export const errorsOf = (result: ReadResult): GraphQLError[] =>
  (result.errors ?? []).map((error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }));

// Documents are shared by the subscriptions that send the same text (see DocumentCache): so are their fragments.
const fragmentsByDocument = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();

/** A document's fragments by name. */
function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    fragments = new Map(
      document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
    );
    fragmentsByDocument.set(document, fragments);
  }
  return fragments;
}

/** The fields of a selection set, through its fragments (ignoring @skip and @include). */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(selection.selectionSet, fragments);
    const fragment = fragments.get(selection.name.value);
    return fragment ? fieldsOf(fragment.selectionSet, fragments) : [];
  });
}

/** The fragments a selection set spreads, directly or through other fragments. */
function reachableFragments(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const reached = new Map<string, FragmentDefinitionNode>();
  const follow = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || reached.has(fragment.name.value)) return;
        reached.set(fragment.name.value, fragment);
        follow(fragment);
      },
    });
  follow(selectionSet);
  return [...reached.values()];
}

function variablesIn(nodes: (SelectionSetNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  return names;
}
