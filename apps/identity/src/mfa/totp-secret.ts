/** The SecretBox purpose that TOTP seeds are sealed under. */
export const TOTP_SECRET_PURPOSE = 'totp-secret';
