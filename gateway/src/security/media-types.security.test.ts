import { acceptsAnyGraphQLResponse, responseMediaType } from './media-types';

// GraphQL over HTTP: the response media type follows the client's Accept header.

describe('response media type', () => {
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    ['application/json;q=0.9, application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json;q=0.5, application/json', 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    ['text/html, */*;q=0.8', 'application/json'],
    ['*/*, application/graphql-response+json', 'application/graphql-response+json'],
    ['application/json;q=0, */*', 'application/graphql-response+json'],
    ['APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8', 'application/graphql-response+json'],
    ['text/html', undefined],
    ['application/xml, text/plain', undefined],
    ['application/json;q=0', undefined],
  ])('Accept %p answers %p', (accept, mediaType) => {
    expect(responseMediaType(accept)).toBe(mediaType);
  });

  it('lets a client that accepts only multipart/mixed (incremental delivery) through', () => {
    expect(acceptsAnyGraphQLResponse('multipart/mixed; deferSpec=20220824')).toBe(true);
    expect(acceptsAnyGraphQLResponse('text/html')).toBe(false);
  });
});
