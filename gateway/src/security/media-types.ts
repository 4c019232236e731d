// The response media types of GraphQL over HTTP, chosen from the client's Accept header.

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const APPLICATION_JSON = 'application/json';
// Apollo Server streams incremental delivery (@defer) as multipart/mixed.
const MULTIPART_MIXED = 'multipart/mixed';

interface MediaRange {
  type: string;
  subtype: string;
  quality: number;
  position: number;
}

function mediaRangesOf(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part, position) => {
    const [range, ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) return [];
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    return Number.isFinite(quality) ? [{ type, subtype, quality, position }] : [];
  });
}

/** The most specific range that covers the media type (RFC 9110, 12.5.1), if any. */
function bestRangeFor(mediaType: string, ranges: MediaRange[]): MediaRange | undefined {
  const [type, subtype] = mediaType.split('/');
  const specificity = (range: MediaRange) =>
    range.type === type && range.subtype === subtype ? 3 : range.type === type && range.subtype === '*' ? 2 : range.type === '*' ? 1 : 0;
  return ranges
    .filter((range) => specificity(range) > 0)
    .sort((a, b) => specificity(b) - specificity(a))
    .at(0);
}

/**
 * The media type to answer in: application/graphql-response+json when the client prefers it (or
 * accepts only it), application/json otherwise, also without an Accept header or on a wildcard
 * (the spec's legacy default); undefined when the client accepts neither (406).
 */
export function responseMediaType(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return APPLICATION_JSON;
  const ranges = mediaRangesOf(accept);
  const json = bestRangeFor(APPLICATION_JSON, ranges);
  const graphqlResponse = bestRangeFor(GRAPHQL_RESPONSE_JSON, ranges);
  const jsonQuality = json?.quality ?? 0;
  const graphqlResponseQuality = graphqlResponse?.quality ?? 0;
  if (jsonQuality === 0 && graphqlResponseQuality === 0) return undefined;
  if (graphqlResponseQuality > jsonQuality) return GRAPHQL_RESPONSE_JSON;
  if (graphqlResponseQuality < jsonQuality) return APPLICATION_JSON;
  // Equal: the one the client named first; a wildcard names neither.
  const namedFirst = graphqlResponse!.subtype !== '*' && (json!.subtype === '*' || graphqlResponse!.position < json!.position);
  return namedFirst ? GRAPHQL_RESPONSE_JSON : APPLICATION_JSON;
}

/** Whether Apollo Server can answer this Accept header at all (a single result, or an incremental one). */
export function acceptsAnyGraphQLResponse(accept: string | undefined): boolean {
  if (responseMediaType(accept) !== undefined) return true;
  return (bestRangeFor(MULTIPART_MIXED, mediaRangesOf(accept ?? ''))?.quality ?? 0) > 0;
}
