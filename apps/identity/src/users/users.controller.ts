import { Controller, Get, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody } from '../auth/zod-openapi.js';
import { signUpSchema, type SignUpInput } from './user-schemas.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('users')
  @ApiOperation({
    summary: 'Sign up',
    description: 'Creates a developer account with a personal team. Passwords: 12+ characters.',
  })
  @ApiResponse({ status: 201, description: 'The new account' })
  @ApiProblems(400, 409)
  signUp(@ValidatedBody(signUpSchema) body: SignUpInput, @CurrentRequestMeta() meta: RequestMeta) {
    return this.users.signUp(body, meta);
  }

  @Get('me')
  @Protected({ roles: ['developer'], allowPendingMfa: true })
  @ApiOperation({ summary: 'My profile, roles, teams and the APIs I approve' })
  @ApiProblems(401, 403)
  me(@CurrentUser() user: UserPrincipal) {
    return this.users.me(user);
  }
}
