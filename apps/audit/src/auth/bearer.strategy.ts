import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { CONFIG, problems } from '@portcullis/nest-service';
import { Strategy } from 'passport-http-bearer';
import type { AuditConfig } from '../config.js';
import type { AuditPrincipal } from './audit-principal.js';
import { IdentitySessions } from './identity-sessions.js';

/** Session tokens only: people reach the audit API through the portal with their session. */
@Injectable()
export class AuditBearerStrategy extends PassportStrategy(Strategy, 'audit-bearer') {
  private readonly sessions: IdentitySessions;

  constructor(@Inject(CONFIG) config: AuditConfig) {
    super();
    this.sessions = new IdentitySessions(
      config.IDENTITY_URL,
      config.AUDIT_AUTH_CACHE_SECONDS * 1000,
    );
  }

  async validate(token: string): Promise<AuditPrincipal | false> {
    if (token.length > 256 || !token.startsWith('pcl_sess_')) return false;
    const principal = await this.sessions.principalFor(token);
    if (principal && !principal.mfaSatisfied) {
      throw problems.forbidden('Two-factor verification is required first.');
    }
    return principal;
  }
}
