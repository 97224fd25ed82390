import path from 'node:path';
import type { Options } from '@grpc/proto-loader';

/** Directory holding the .proto files (proto/ at the repository root; copied beside dist in images). */
export const PROTO_ROOT = process.env.TAPELINE_PROTO_ROOT ?? path.resolve(__dirname, '../../../proto');

/**
 * proto-loader options shared by every gRPC server and client of the mesh. They must agree with
 * the ts-proto options in proto/buf.gen.yaml: camelCase fields, int64 as decimal strings,
 * numeric enums, defaults filled in (so absent scalars read as zero values, as ts-proto types say).
 */
export const GRPC_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: false,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export const HEALTH_PROTO = 'grpc/health/v1/health.proto';

/** The gRPC contract each service serves: proto package and file, relative to PROTO_ROOT. */
export const SERVICE_CONTRACTS = {
  symbol: {
    package: 'tapeline.symbol.v1',
    service: 'SymbolService',
    proto: 'tapeline/symbol/v1/symbol.proto',
  },
  'market-data': {
    package: 'tapeline.market_data.v1',
    service: 'MarketDataService',
    proto: 'tapeline/market_data/v1/market_data.proto',
  },
  aggregation: {
    package: 'tapeline.aggregation.v1',
    service: 'AggregationService',
    proto: 'tapeline/aggregation/v1/aggregation.proto',
  },
  oms: { package: 'tapeline.oms.v1', service: 'OmsService', proto: 'tapeline/oms/v1/oms.proto' },
  risk: { package: 'tapeline.risk.v1', service: 'RiskService', proto: 'tapeline/risk/v1/risk.proto' },
  strategy: {
    package: 'tapeline.strategy.v1',
    service: 'StrategyService',
    proto: 'tapeline/strategy/v1/strategy.proto',
  },
  gateway: {
    package: 'tapeline.gateway.v1',
    service: 'GatewayAdminService',
    proto: 'tapeline/gateway/v1/gateway.proto',
  },
} as const;

export type ServiceName = keyof typeof SERVICE_CONTRACTS;
export const SERVICE_NAMES = Object.keys(SERVICE_CONTRACTS) as ServiceName[];
