import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { problems } from '@portcullis/nest-service';

@Injectable()
export class BearerAuthGuard extends AuthGuard('bearer') {
  override handleRequest<TUser>(
    error: unknown,
    user: TUser | false,
    _info: unknown,
    _context: ExecutionContext,
  ): TUser {
    if (error) throw error;
    if (!user) throw problems.unauthorized('A valid bearer token is required.');
    return user;
  }
}
