import {
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { apiError } from './errors';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

export interface QueryCost {
  depth: number;
  complexity: number;
}

/** Arguments whose value is how many items a list field returns. */
const PAGE_ARGUMENTS = ['first', 'last', 'limit'];

/**
 * Depth and cost of a document: the largest over its operations. Depth counts nested selection
 * sets (fragments expanded). Cost: 1 per field, and the selections below a field that takes a
 * page size (first, last, limit; its default when not given) count that many times. Variables
 * are read when known (HTTP); otherwise their defaults are used. Introspection fields cost
 * nothing: tools read the schema, and its shape bounds them.
 */
export function measureDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
): QueryCost {
  return measure(schema, document, variables);
}

/** measureDocument, and whether the cost read a variable's value (it then varies per request). */
function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  usage: { readVariable: boolean } = { readVariable: false },
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const worst: QueryCost = { depth: 0, complexity: 0 };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const cost = measureOperation(schema, d, fragments, variables, usage);
    worst.depth = Math.max(worst.depth, cost.depth);
    worst.complexity = Math.max(worst.complexity, cost.complexity);
  }
  return worst;
}

function measureOperation(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | null | undefined,
  usage: { readVariable: boolean },
): QueryCost {
  const root =
    op.operation === 'query'
      ? schema.getQueryType()
      : op.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const varDefaults = new Map<string, ValueNode>();
  for (const v of op.variableDefinitions ?? []) {
    if (v.defaultValue) varDefaults.set(v.variable.name.value, v.defaultValue);
  }
  const literal = (node: ValueNode | undefined): unknown => {
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    usage.readVariable = true;
    return variables?.[name] ?? literal(varDefaults.get(name));
  };
  const timesOf = (sel: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number => {
    for (const name of PAGE_ARGUMENTS) {
      const given = sel.arguments?.find((a) => a.name.value === name);
      const value = given ? literal(given.value) : field?.args.find((a) => a.name === name)?.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value) && value > 1) return value;
    }
    return 1;
  };

  const walk = (
    set: SelectionSetNode,
    parent: GraphQLNamedType | null | undefined,
    visiting: Set<string>,
  ): QueryCost => {
    let depth = 0;
    let complexity = 0;
    for (const sel of set.selections) {
      let inner: QueryCost;
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        const field =
          parent && (isObjectType(parent) || isInterfaceType(parent))
            ? parent.getFields()[sel.name.value]
            : undefined;
        inner = { depth: 0, complexity: 0 };
        if (sel.selectionSet) {
          const below = walk(sel.selectionSet, field ? getNamedType(field.type) : undefined, visiting);
          inner = { depth: below.depth + 1, complexity: below.complexity * timesOf(sel, field) };
        }
        complexity += 1;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        inner = walk(sel.selectionSet, type, visiting);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is a validation error reported elsewhere; here it only must not loop.
        if (!fragment || visiting.has(name)) continue;
        visiting.add(name);
        inner = walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), visiting);
        visiting.delete(name);
      }
      complexity += inner.complexity;
      depth = Math.max(depth, inner.depth);
    }
    return { depth, complexity };
  };
  const cost = walk(op.selectionSet, root, new Set());
  return { depth: cost.depth + 1, complexity: cost.complexity };
}

/** Throws QUERY_TOO_DEEP or QUERY_TOO_COMPLEX naming the limit and the value found. */
export function enforceQueryLimits(cost: QueryCost, limits: QueryLimits): void {
  if (cost.depth > limits.maxDepth) {
    throw apiError(
      'QUERY_TOO_DEEP',
      `the query is ${cost.depth} levels deep; the limit is ${limits.maxDepth}`,
      { limit: limits.maxDepth, value: cost.depth },
    );
  }
  if (cost.complexity > limits.maxComplexity) {
    throw apiError(
      'QUERY_TOO_COMPLEX',
      `the query costs ${cost.complexity}; the limit is ${limits.maxComplexity}`,
      { limit: limits.maxComplexity, value: cost.complexity },
    );
  }
}

/**
 * The depth and cost limits as a check per request that measures each distinct document once:
 * mercurius hands every request with the same source text the same parsed DocumentNode (its
 * parse cache), so a document whose cost reads no variable gets the same verdict every time. A
 * cost that reads a page size from a variable is measured again per request. Keyed weakly, so the
 * cache lives as long as mercurius keeps the document.
 */
export function queryLimitsCheck(limits: QueryLimits) {
  const measured = new WeakMap<DocumentNode, { schema: GraphQLSchema; cost: QueryCost }>();
  return (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables?: Record<string, unknown> | null,
  ): void => {
    const known = measured.get(document);
    let cost: QueryCost;
    if (known?.schema === schema) cost = known.cost;
    else {
      const usage = { readVariable: false };
      cost = measure(schema, document, variables, usage);
      if (!usage.readVariable) measured.set(document, { schema, cost });
    }
    enforceQueryLimits(cost, limits);
  };
}
