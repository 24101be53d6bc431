import { Module } from '@nestjs/common';
import { GatewaySnapshotBuilder } from './gateway-snapshot.builder.js';
import { GatewaySnapshotController } from './gateway-snapshot.controller.js';

/** What gateways read: the snapshot (the change events come from ConfigChanges). */
@Module({
  controllers: [GatewaySnapshotController],
  providers: [GatewaySnapshotBuilder],
})
export class GatewayFeedModule {}
