/** The SecretBox purpose that webhook signing secrets are sealed under. */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';
