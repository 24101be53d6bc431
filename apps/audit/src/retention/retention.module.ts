import { Module } from '@nestjs/common';
import { PartitionMaintenance } from './partition-maintenance.service.js';

@Module({ providers: [PartitionMaintenance], exports: [PartitionMaintenance] })
export class RetentionModule {}
