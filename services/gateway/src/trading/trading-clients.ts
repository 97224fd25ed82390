import type { omsV1, riskV1 } from '@tapeline/contracts';
import { BackendClient } from '../graphql/backend-client';

/** The oms (orders, positions, journal) as the resolvers call it. */
export class OmsClient extends BackendClient<omsV1.OmsServiceClient> {}

/** The risk service (limits, kill switch states, risk reports) as the resolvers call it. */
export class RiskClient extends BackendClient<riskV1.RiskServiceClient> {}
