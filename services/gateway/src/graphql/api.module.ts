import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { Logger } from '@tapeline/telemetry';
import type { GatewayConfig } from '../config';
import { InstrumentsModule } from '../instruments/instruments.module';
import { APP_FILTER } from '@nestjs/core';
import { ApiErrorFilter, formatGraphqlErrors } from './errors';
import { DecimalScalar } from './scalars';

/** The GraphQL API: schema built code-first from the resolvers; the checked-in SDL is its mirror. */
@Module({})
export class ApiModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          graphiql: false,
          errorFormatter: (execution) => formatGraphqlErrors(execution, logger),
        }),
        InstrumentsModule.forRoot(config),
      ],
      providers: [DecimalScalar, { provide: APP_FILTER, useClass: ApiErrorFilter }],
    };
  }
}
