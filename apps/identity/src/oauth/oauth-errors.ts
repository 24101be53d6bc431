/**
 * RFC 6749 §5.2 errors (plus RFC 8707 `invalid_target` and the rate-limit answer). Thrown from the
 * OAuth endpoints and rendered as `{error, error_description}` JSON by OAuthExceptionFilter.
 * Descriptions are for developers: they never carry secrets or say which part of a credential
 * was wrong.
 */
export abstract class OAuthError extends Error {
  abstract readonly error: string;
  abstract readonly status: number;
  readonly headers: Record<string, string> = {};

  constructor(readonly description: string) {
    super(description);
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
  readonly status: number;

  constructor(description: string, status = 400) {
    super(description);
    this.status = status;
  }
}

export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  readonly status = 401;

  constructor(description = 'Client authentication failed.') {
    super(description);
    // A 401 must carry a challenge (RFC 9110 §11.6.1). RFC 6749 §5.2 wants the scheme the client
    // used when it used the Authorization header, and Basic is the only one these endpoints take
    // there; for the other methods it names the scheme the endpoint supports.
    this.headers['www-authenticate'] = 'Basic realm="portcullis", charset="UTF-8"';
  }
}

export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
  readonly status = 400;
}

export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
  readonly status = 400;
}

export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
  readonly status = 400;
}

export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
  readonly status = 400;
}

/** RFC 8707 §2: the requested resource (audience) is unknown or not granted to this client. */
export class InvalidTargetError extends OAuthError {
  readonly error = 'invalid_target';
  readonly status = 400;
}

/** RFC 7009 §2.2.1 */
export class UnsupportedTokenTypeError extends OAuthError {
  readonly error = 'unsupported_token_type';
  readonly status = 400;
}

/**
 * Too many failed client authentications. RFC 6749 registers no code for this; we answer 429 with
 * `Retry-After` and the registered `temporarily_unavailable` code so OAuth clients still parse it.
 */
export class TooManyAttemptsError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  readonly status = 429;

  constructor(retryAfterSeconds: number) {
    super('Too many failed client authentications; try again later.');
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class ServerError extends OAuthError {
  readonly error = 'server_error';
  readonly status: number;

  constructor(
    description = 'The authorization server could not handle the request.',
    status = 500,
  ) {
    super(description);
    this.status = status;
  }
}
