import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems } from '../auth/zod-openapi.js';
import { KnownDevices } from './known-devices.js';

/** The signed-in person's known sign-in devices (see KnownDevices). */
@ApiTags('sessions')
@Controller('v1/me/devices')
export class DevicesController {
  constructor(private readonly devices: KnownDevices) {}

  @Get()
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'My known sign-in devices',
    description:
      'Browsers and clients that signed in with the right password and send their device token back: wrong passwords from one lock out that device alone, and a lockout of new devices does not reach them. Never includes a token.',
  })
  @ApiResponse({
    status: 200,
    description:
      '`{ items: [{ id, current, openSessions, userAgent, lastSignInIp, createdAt, lastSignInAt, expiresAt, lockedUntil }] }`: `current` marks the device this session signed in from, `openSessions` counts its sessions still open.',
  })
  @ApiProblems(401, 403)
  async list(@CurrentUser() user: UserPrincipal) {
    return { items: await this.devices.list(user, new Date()) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'Forget a known device and sign it out',
    description:
      'Ends every session it signed in (this one too, when it is the current device); its token then counts as a new device, so new-device lockouts apply to it again.',
  })
  @ApiProblems(400, 401, 403, 404)
  async forget(
    @CurrentUser() user: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.devices.forget(user, id, meta);
  }
}
