import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

/** Parses and validates a document's text against a schema: the document, or why it is refused. */
export type PrepareDocument = (schema: GraphQLSchema, text: string) => DocumentNode | readonly GraphQLError[];

/**
 * The subscription documents that parsed and validated, by their text, shared by every subscription
 * that sends the same text: thousands of clients of one app send the same few documents, and a
 * parsed document with its locations weighs kilobytes. Documents are never changed once parsed.
 * Holds at most `maxDocuments`, the least recently used going first; refused texts are not kept.
 * A new schema (a reloaded supergraph) empties it, as the documents were validated against the old one.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private schema?: GraphQLSchema;

  constructor(
    private readonly prepare: PrepareDocument,
    private readonly maxDocuments: number,
  ) {}

  get size(): number {
    return this.documents.size;
  }

  /** The document of this text, valid against this schema, or why it is refused. */
  get(schema: GraphQLSchema, text: string): DocumentNode | readonly GraphQLError[] {
    if (schema !== this.schema) {
      this.documents.clear();
      this.schema = schema;
    }
    const cached = this.documents.get(text);
    if (cached) {
      // Map keeps insertion order: moving it to the end keeps the least recently used first.
      this.documents.delete(text);
      this.documents.set(text, cached);
      return cached;
    }
    const prepared = this.prepare(schema, text);
    if (isRefusal(prepared)) return prepared;
    this.documents.set(text, prepared);
    if (this.documents.size > this.maxDocuments) this.documents.delete(this.documents.keys().next().value as string);
    return prepared;
  }
}

export const isRefusal = (prepared: DocumentNode | readonly GraphQLError[]): prepared is readonly GraphQLError[] => Array.isArray(prepared);
