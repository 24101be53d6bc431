import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditBearerGuard } from './bearer-auth.guard.js';
import { AuditBearerStrategy } from './bearer.strategy.js';

@Global()
@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [AuditBearerStrategy, AuditBearerGuard],
  exports: [AuditBearerGuard],
})
export class AuditAuthModule {}
