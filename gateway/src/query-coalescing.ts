import type { HTTPGraphQLResponse } from '@apollo/server';
import type { Identity } from '@shop/platform';
import { Kind, getOperationAST, parse } from 'graphql';
import type { GatewayMetrics } from './metrics';

// Operation types of the documents seen lately, so that a document is parsed here once, not per
// request. Past this many, the memory starts again: a client sending ever new documents costs one
// parse each, as it does in Apollo Server anyway.
const MAX_REMEMBERED_DOCUMENTS = 1_000;

/** What decides whether two client requests get the same answer. */
export interface ClientRequest {
  method: string;
  /** Path and query string. */
  url: string;
  accept: string | undefined;
  /** The request body as received (UTF-8 text); undefined without one. */
  rawBody: string | undefined;
  /** The same body, parsed. */
  body: unknown;
}

/**
 * Identical client queries in flight share one execution. Identical means the same caller (the
 * verified identity, or anonymous), the same URL and `Accept` header, and the same request body
 * byte for byte (document, operation name, variables, extensions). Only POSTed queries are shared: a
 * mutation, a subscription, a GET, or a document that does not parse runs on its own. Nothing is
 * kept once the answer is sent.
 */
export class InFlightQueries {
  private readonly inFlight = new Map<string, Promise<HTTPGraphQLResponse>>();
  private readonly documents = new Map<string, DocumentFacts>();

  constructor(
    private readonly metrics: GatewayMetrics,
    /** The parse here is bounded like Apollo Server's own (GATEWAY_MAX_TOKENS). */
    private readonly maxTokens?: number,
  ) {}

  /** The sharing key of a request, or null when it must run on its own. */
  keyOf(request: ClientRequest, identity: Identity | null): string | null {
    if (request.method !== 'POST' || !request.rawBody || typeof request.body !== 'object' || request.body === null) return null;
    const { query, operationName } = request.body as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
    if (this.operationTypeOf(query, operationName ?? null) !== 'query') return null;
    const caller = identity ? JSON.stringify([identity.sub, identity.role, identity.email ?? null]) : 'anonymous';
    return `${caller}\n${request.url}\n${request.accept ?? ''}\n${request.rawBody}`;
  }

  /** Runs `execute`, or waits for the identical request already running and answers with its answer. */
  async answer(key: string, execute: () => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse> {
    const running = this.inFlight.get(key);
    if (running) {
      const answer = await running;
      // An incremental (multipart) answer streams to one client only: this request runs on its own.
      if (answer.body.kind !== 'complete') return execute();
      this.metrics.coalescedRequests.inc();
      return answer;
    }
    const answer = execute();
    this.inFlight.set(key, answer);
    const forget = () => this.inFlight.delete(key);
    answer.then(forget, forget);
    return answer;
  }

  /** The type of the operation a request runs, or null when it cannot be told (Apollo Server then says why). */
  operationTypeOf(query: string, operationName: string | null): string | null {
    return this.documentOf(query, operationName).selected;
  }

  /** Whether a document holds a subscription operation, whichever operation it selects. */
  holdsSubscription(query: string): boolean {
    return this.documentOf(query, null).subscription;
  }

  private documentOf(query: string, operationName: string | null): DocumentFacts {
    const documentKey = `${operationName ?? ''}\n${query}`;
    let facts = this.documents.get(documentKey);
    if (facts === undefined) {
      try {
        const document = parse(query, { maxTokens: this.maxTokens });
        facts = {
          selected: getOperationAST(document, operationName)?.operation ?? null,
          subscription: document.definitions.some(
            (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'subscription',
          ),
        };
      } catch {
        facts = { selected: null, subscription: false }; // Apollo Server answers it with the parse error
      }
      if (this.documents.size >= MAX_REMEMBERED_DOCUMENTS) this.documents.clear();
      this.documents.set(documentKey, facts);
    }
    return facts;
  }
}

interface DocumentFacts {
  selected: string | null;
  subscription: boolean;
}
