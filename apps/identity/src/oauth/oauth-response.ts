/** Headers of every OAuth endpoint answer: RFC 6749 §5.1 forbids caching token responses. */
export const OAUTH_RESPONSE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-type': 'application/json; charset=utf-8',
} as const;
