import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { type ComponentProps, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { type ExecutionResult, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { createClient } from 'graphql-ws';

// The local GraphQL explorer: queries and mutations over HTTP POST /graphql, subscriptions over
// graphql-ws on the same path, with the Authorization header from the headers tab.

type Fetcher = ComponentProps<typeof GraphiQL>['fetcher'];
type Headers = Record<string, string>;

const DEFAULT_QUERY = `# The public API of shop-federation. Queries and mutations go over HTTP,
# subscriptions over graphql-ws. Put a token in the Headers tab:
#   { "Authorization": "Bearer <jwt>" }
query Catalogue {
  products(first: 5) {
    items { sku name price { amount currency } stock { available } }
  }
}
`;

function isSubscription(query: string, operationName?: string | null): boolean {
  try {
    const operations = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const chosen = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
    return chosen?.operation === 'subscription';
  } catch {
    return false;
  }
}

function authorizationOf(headers: Headers): string | undefined {
  return Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
}

const fetcher: Fetcher = (params, options) => {
  const headers = (options?.headers ?? {}) as Headers;
  if (isSubscription(params.query, params.operationName)) {
    const authorization = authorizationOf(headers);
    const client = createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: authorization ? { authorization } : {},
    });
    // GraphiQL only displays the results: the wire format (formatted errors) is what it expects to show.
    const results = client.iterate({
      query: params.query,
      variables: params.variables,
      operationName: params.operationName,
    }) as AsyncIterable<unknown>;
    return (async function* (): AsyncGenerator<ExecutionResult> {
      try {
        for await (const result of results) yield result as ExecutionResult;
      } finally {
        await client.dispose();
      }
    })();
  }
  return fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
};

// The storefront's demo customer, if one is signed in, so the explorer starts as that customer.
function storedCustomerHeaders(): string | undefined {
  try {
    const customer = JSON.parse(localStorage.getItem('storefront.customer') ?? 'null') as { token?: string } | null;
    return customer?.token ? JSON.stringify({ Authorization: `Bearer ${customer.token}` }, null, 2) : undefined;
  } catch {
    return undefined;
  }
}

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultHeaders={storedCustomerHeaders()} />
  </StrictMode>,
);
