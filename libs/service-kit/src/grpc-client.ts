import { ClientsModule, Transport, type ClientGrpc } from '@nestjs/microservices';
import type { DynamicModule } from '@nestjs/common';
import { GRPC_LOADER_OPTIONS, SERVICE_CONTRACTS, type ServiceName } from '@tapeline/contracts';

/** Client options for calling another service of the mesh: the one place they are defined. */
export function grpcClientModule(
  token: string | symbol,
  service: ServiceName,
  address: string,
): DynamicModule {
  const contract = SERVICE_CONTRACTS[service];
  return ClientsModule.register([
    {
      name: token,
      transport: Transport.GRPC,
      options: {
        url: address,
        package: contract.package,
        protoPath: contract.proto,
        loader: GRPC_LOADER_OPTIONS,
        channelOptions: {
          // Reconnect quickly after a peer restarts; keepalive finds dead peers behind load balancers.
          'grpc.initial_reconnect_backoff_ms': 200,
          'grpc.max_reconnect_backoff_ms': 5000,
          'grpc.keepalive_time_ms': 30_000,
        },
      },
    },
  ]);
}

export type { ClientGrpc };
