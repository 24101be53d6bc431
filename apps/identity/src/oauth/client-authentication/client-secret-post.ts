/** `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` in the form body. */
export function clientSecretPost(
  parameters: Map<string, string>,
): { method: 'client_secret_post'; clientId: string; secret: string } | null {
  const secret = parameters.get('client_secret');
  if (secret === undefined) return null;
  return { method: 'client_secret_post', clientId: parameters.get('client_id') ?? '', secret };
}
