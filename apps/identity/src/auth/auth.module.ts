import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { BearerStrategy } from './bearer.strategy.js';

@Global()
@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [BearerStrategy, BearerAuthGuard, AccessGuard],
  exports: [BearerAuthGuard, AccessGuard],
})
export class AuthModule {}
