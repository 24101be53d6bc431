import { Global, Module } from '@nestjs/common';
import { TeamAccess } from './team-access.js';
import { TeamsController } from './teams.controller.js';
import { TeamsService } from './teams.service.js';

@Global()
@Module({
  controllers: [TeamsController],
  providers: [TeamAccess, TeamsService],
  exports: [TeamAccess, TeamsService],
})
export class TeamsModule {}
