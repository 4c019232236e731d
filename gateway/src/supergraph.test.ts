import { loadConfig } from '@shop/platform';
import { composeSupergraph, subgraphsOnDisk } from './supergraph';

describe('supergraph composition', () => {
  it('composes every subgraph on disk (fails here when a subgraph breaks composition)', () => {
    const subgraphs = subgraphsOnDisk(loadConfig('gateway', {}).serviceUrls);
    expect(subgraphs.map(({ name }) => name)).toContain('product');
    const composition = composeSupergraph(subgraphs);
    expect(composition).toEqual({ supergraphSdl: expect.any(String), hints: expect.any(Array) });
    for (const { name, url } of subgraphs) {
      expect(composition).toHaveProperty('supergraphSdl', expect.stringContaining(`@join__graph(name: "${name}", url: "${url}")`));
    }
  });

  it('reports each composition error with its code', () => {
    const owner = (name: string, type: string) => ({
      name,
      url: `http://127.0.0.1/${name}`,
      sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
            type Query { thing: ${type} }`,
    });
    expect(composeSupergraph([owner('a', 'Int'), owner('b', 'String')])).toEqual({
      errors: expect.arrayContaining([expect.stringMatching(/^INVALID_FIELD_SHARING: /), expect.stringMatching(/^FIELD_TYPE_MISMATCH: /)]),
    });
  });

  it('reports a schema that does not parse, naming its subgraph', () => {
    expect(composeSupergraph([{ name: 'broken', url: 'http://127.0.0.1/x', sdl: 'type Query {' }])).toEqual({
      errors: [expect.stringMatching(/^\[broken\] schema does not parse: Syntax Error/)],
    });
  });

  it('refuses to compose nothing', () => {
    expect(composeSupergraph([])).toEqual({ errors: ['there is no subgraph to compose'] });
  });
});
