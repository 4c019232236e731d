import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import type { ServiceName } from '@shop/platform';
import { type DocumentNode, type GraphQLError, parse } from 'graphql';

const REPO_ROOT = join(__dirname, '..', '..');

/** Where `npm run compose` writes the supergraph. */
export const SUPERGRAPH_FILE = join(__dirname, '..', 'supergraph.graphql');

/** One subgraph to compose: its name in the supergraph, where the gateway reaches it, and its SDL. */
export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

/** Every subgraph with a `schema.graphql` under `subgraphs/`, at the URL the configuration gives it. */
export function subgraphsOnDisk(serviceUrls: Record<ServiceName, string>, root = REPO_ROOT): SubgraphSource[] {
  const folder = join(root, 'subgraphs');
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(folder, entry.name, 'schema.graphql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const url = serviceUrls[name as ServiceName];
      if (!url) throw new Error(`subgraphs/${name} has no URL: add "${name}" to PORTS in platform/src/config.ts`);
      return { name, url, sdl: readFileSync(join(folder, name, 'schema.graphql'), 'utf8') };
    });
}

export type Composition = { supergraphSdl: string; hints: string[] } | { errors: string[] };

/** Composes the subgraphs with Federation 2 composition; each error names its code and subgraph. */
export function composeSupergraph(subgraphs: SubgraphSource[]): Composition {
  if (subgraphs.length === 0) return { errors: ['there is no subgraph to compose'] };
  const errors: string[] = [];
  const services: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  for (const { name, url, sdl } of subgraphs) {
    try {
      services.push({ name, url, typeDefs: parse(sdl) });
    } catch (err) {
      errors.push(`[${name}] schema does not parse: ${(err as GraphQLError).message}`);
    }
  }
  if (errors.length > 0) return { errors };
  const result = composeServices(services);
  if (result.errors) return { errors: result.errors.map((error) => `${error.extensions.code ?? 'COMPOSITION_ERROR'}: ${error.message}`) };
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => `${hint.definition.code}: ${hint.message}`) };
}
