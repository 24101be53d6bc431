type State = 'closed' | 'open' | 'half-open';

/**
 * Per-upstream circuit: opens after `threshold` consecutive failures, lets one trial request
 * through after `cooldownMs`, closes again on its success.
 */
export class CircuitBreaker {
  #state: State = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  get state(): State {
    return this.#state;
  }

  /** False while open (or while the half-open trial is still running). */
  tryAcquire(now = Date.now()): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && now - this.#openedAt >= this.cooldownMs) {
      this.#state = 'half-open';
      this.#trialInFlight = false;
    }
    if (this.#state === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Seconds until a trial is let through, for Retry-After. */
  retryAfterSeconds(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.cooldownMs - (now - this.#openedAt)) / 1000));
  }

  success(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  /**
   * A request let through ended with no verdict on the upstream (the client went away first, or
   * it failed before it was sent): if it was the half-open trial, the next request is.
   */
  release(): void {
    this.#trialInFlight = false;
  }

  failure(now = Date.now()): void {
    this.#failures += 1;
    if (this.#state === 'half-open' || this.#failures >= this.threshold) {
      this.#state = 'open';
      this.#openedAt = now;
      this.#trialInFlight = false;
    }
  }
}
