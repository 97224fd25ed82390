import type { aggregationV1 } from '@tapeline/contracts';
import { BackendClient } from '../graphql/backend-client';

/** The aggregation service (bars, VWAP, delta, profiles, heatmaps, indicators) as the resolvers call it. */
export class AggregationClient extends BackendClient<aggregationV1.AggregationServiceClient> {}
