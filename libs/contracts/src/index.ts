// Public face of the generated contracts. Each proto package is one namespace so that names
// like `protobufPackage` never collide; import what you need: `import { symbolV1 } from ...`.
export * as commonV1 from './gen/tapeline/common/v1/common';
export * as tradingV1 from './gen/tapeline/common/v1/trading';
export * as eventsV1 from './gen/tapeline/events/v1/events';
export * as symbolV1 from './gen/tapeline/symbol/v1/symbol';
export * as marketDataV1 from './gen/tapeline/market_data/v1/market_data';
export * as aggregationV1 from './gen/tapeline/aggregation/v1/aggregation';
export * as omsV1 from './gen/tapeline/oms/v1/oms';
export * as riskV1 from './gen/tapeline/risk/v1/risk';
export * as strategyV1 from './gen/tapeline/strategy/v1/strategy';
export * as gatewayV1 from './gen/tapeline/gateway/v1/gateway';
export * as healthV1 from './gen/grpc/health/v1/health';
export * from './grpc-contracts';
