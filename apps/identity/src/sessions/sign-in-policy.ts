/** Consecutive failures (wrong password or second factor) that lock an account. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;
/** The one answer for unknown e-mail, wrong password, locked or disabled account. */
export const SIGN_IN_FAILED = 'The e-mail address or password is wrong, or the account is locked.';
