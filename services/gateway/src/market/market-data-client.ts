import type { marketDataV1 } from '@tapeline/contracts';
import { BackendClient } from '../graphql/backend-client';

/** The market-data service (quotes, books, tick history) as the resolvers call it. */
export class MarketDataClient extends BackendClient<marketDataV1.MarketDataServiceClient> {}
