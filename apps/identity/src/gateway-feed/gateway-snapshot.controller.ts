import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { gatewaySnapshotSchema, type GatewaySnapshot } from '@portcullis/contracts';
import { z } from 'zod';
import { Protected } from '../auth/index.js';
import { GatewaySnapshotBuilder } from './gateway-snapshot.builder.js';

@ApiTags('gateway feed')
@Controller('v1/gateway')
export class GatewaySnapshotController {
  constructor(private readonly builder: GatewaySnapshotBuilder) {}

  @Get('snapshot')
  @Protected({ services: ['gateway'] })
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Runtime configuration for gateways',
    description:
      'APIs, routes, plans, subscriptions, credentials (keyed hashes only), revoked tokens and ' +
      'blocked sources, at a config version. Gateways follow portcullis.config-changes.v1 after it.',
  })
  @ApiOkResponse({ schema: z.toJSONSchema(gatewaySnapshotSchema, { io: 'output' }) as object })
  snapshot(): Promise<GatewaySnapshot> {
    return this.builder.build();
  }
}
