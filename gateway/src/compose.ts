import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { loadConfig } from '@shop/platform';
import { SUPERGRAPH_FILE, composeSupergraph, subgraphsOnDisk } from './supergraph';

// `npm run compose`: writes the static supergraph (the production path) from every subgraph's SDL.

function compose(): number {
  const subgraphs = subgraphsOnDisk(loadConfig('gateway').serviceUrls);
  const composition = composeSupergraph(subgraphs);
  if ('errors' in composition) {
    console.error(`Composition failed with ${composition.errors.length} error(s):`);
    for (const error of composition.errors) console.error(`  - ${error}`);
    return 1;
  }
  for (const hint of composition.hints) console.error(`hint: ${hint}`);
  writeFileSync(SUPERGRAPH_FILE, composition.supergraphSdl);
  const composed = subgraphs.map(({ name, url }) => `${name} (${url})`).join(', ');
  console.log(`Wrote ${relative(process.cwd(), SUPERGRAPH_FILE)} from ${subgraphs.length} subgraph(s): ${composed}`);
  return 0;
}

try {
  process.exitCode = compose();
} catch (err) {
  console.error(`Composition failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
