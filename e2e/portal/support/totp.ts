import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';

/**
 * What an authenticator app does, for tests: RFC 6238 codes from the enrolled key. identity
 * accepts a code once and only for a later 30-second step than the last one used, within one
 * step of drift; so each code here is for a fresh step, waiting for the clock when needed.
 */
export class Authenticator {
  private readonly totp: TOTP;
  private lastStep = Number.NEGATIVE_INFINITY;

  constructor(secretBase32: string) {
    this.totp = new TOTP({
      secret: Secret.fromBase32(secretBase32),
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
  }

  async nextCode(): Promise<string> {
    for (;;) {
      const current = this.totp.counter();
      const step = Math.max(current, this.lastStep + 1);
      if (step <= current + 1) {
        this.lastStep = step;
        return this.totp.generate({ timestamp: step * 30_000 });
      }
      await sleep(1_000);
    }
  }

  /** A code that is certainly not valid now: a valid one with its digits shifted. */
  wrongCode(): string {
    const valid = this.totp.generate();
    return valid
      .split('')
      .map((digit) => String((Number(digit) + 5) % 10))
      .join('');
  }
}
