import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { gatewayV1 } from '@tapeline/contracts';
import { ConnectionGate } from '../live/connection-gate';
import { LiveSubscriptions } from '../live/live-subscriptions';

/** tapeline.gateway.v1.GatewayAdminService: live counts for operators. */
@Controller()
export class SubscriptionStatsController {
  constructor(
    @Inject(ConnectionGate) private readonly gate: ConnectionGate,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
  ) {}

  @GrpcMethod('GatewayAdminService', 'GetSubscriptionStats')
  getSubscriptionStats(): gatewayV1.GetSubscriptionStatsResponse {
    return { connections: this.gate.open, subscriptions: this.live.stats().subscriptions };
  }
}
