import { Module } from '@nestjs/common';
import { CheckpointsModule } from '../checkpoints/checkpoints.module.js';
import { IntegrityController } from './integrity.controller.js';

@Module({ imports: [CheckpointsModule], controllers: [IntegrityController] })
export class IntegrityModule {}
