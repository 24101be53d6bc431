import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { problems } from '@portcullis/nest-service';

@Injectable()
export class AuditBearerGuard extends AuthGuard('audit-bearer') {
  override handleRequest<TUser>(
    error: unknown,
    user: TUser | false,
    _info: unknown,
    _context: ExecutionContext,
  ): TUser {
    if (error) throw error;
    if (!user) throw problems.unauthorized('A valid session token is required.');
    return user;
  }
}
