import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, GraphQLError, type ValueNode } from 'graphql';
import { FixedPointError, formatFixed, parseFixed } from '@tapeline/fixed-point';

/**
 * Exact decimal carried as a string ("101.25", "0.00001"): a GraphQL Float is a binary double
 * and would corrupt prices and quantities.
 */
@Scalar('Decimal')
export class DecimalScalar implements CustomScalar<string, string> {
  description = 'Exact fixed-point decimal as a string, e.g. "101.25". Never a binary float.';

  serialize(value: unknown): string {
    if (typeof value !== 'string') throw new GraphQLError('Decimal must be produced as a string');
    return value;
  }

  parseValue(value: unknown): string {
    return canonical(value);
  }

  parseLiteral(ast: ValueNode): string {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Decimal literals must be strings, e.g. "101.25"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return canonical(ast.value);
  }
}

function canonical(value: unknown): string {
  if (typeof value !== 'string') {
    throw new GraphQLError('Decimal must be a string, e.g. "101.25"', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  try {
    return formatFixed(parseFixed(value));
  } catch (err) {
    throw new GraphQLError(err instanceof FixedPointError ? err.message : 'invalid Decimal', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
}
