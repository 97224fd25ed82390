import type { symbolV1 } from '@tapeline/contracts';
import { BackendClient } from '../graphql/backend-client';

/** The symbol service (instrument master) as the resolvers call it. */
export class SymbolClient extends BackendClient<symbolV1.SymbolServiceClient> {}
