// jspurefix's container for one entity (initiator or acceptor), with the FIX dictionary parsed
// once per process rather than once per connection.

import 'reflect-metadata'; // tsyringe, under jspurefix, needs it before it loads
import {
  ContainedSetBuilder,
  ContainedSimpleField,
  DITokens,
  DefinitionFactory,
  EmptyLogFactory,
  SessionContainer,
  SimpleFieldDefinition,
  type AsciiSession,
  type FixDefinitions,
  type FixEntity,
  type GetJsFixLogger,
  type IJsFixConfig,
  type ISessionDescription,
  type JsFixLoggerFactory,
} from 'jspurefix';
import { CANCEL_ON_DISCONNECT_FIELD, CANCEL_ON_DISCONNECT_TAG } from '../session-description';

/** Parsing FIX44.xml takes about half a second: parse each dictionary once per process, not per reconnect. */
class CachingDefinitionFactory extends DefinitionFactory {
  private readonly parsed = new Map<string, ReturnType<DefinitionFactory['getDefinitions']>>();

  override getDefinitions(
    path: string,
    getLogger?: GetJsFixLogger,
  ): ReturnType<DefinitionFactory['getDefinitions']> {
    let definitions = this.parsed.get(path);
    if (!definitions) {
      definitions = super.getDefinitions(path, getLogger).then(withCancelOnDisconnect);
      this.parsed.set(path, definitions);
      definitions.catch(() => this.parsed.delete(path));
    }
    return definitions;
  }
}

/**
 * The standard FIX 4.4 Logon has no cancel-on-disconnect field: declare the venue extension. A
 * session sends it only when its description's Logon sets it.
 */
function withCancelOnDisconnect(definitions: FixDefinitions): FixDefinitions {
  const logon = definitions.message.get('Logon');
  if (logon === undefined || definitions.simple.has(CANCEL_ON_DISCONNECT_FIELD)) return definitions;
  const field = new SimpleFieldDefinition(
    String(CANCEL_ON_DISCONNECT_TAG),
    CANCEL_ON_DISCONNECT_FIELD,
    CANCEL_ON_DISCONNECT_FIELD,
    null,
    null,
    'CHAR',
    'Y: the venue cancels the orders of this session when the session drops',
  );
  definitions.addSimpleFieldDef(field);
  new ContainedSetBuilder(logon).add(new ContainedSimpleField(field, logon.fields.length, false, false));
  return definitions;
}

const definitions = new CachingDefinitionFactory();

class DictionaryCachingContainer extends SessionContainer {
  override newChild(description: ISessionDescription): ReturnType<SessionContainer['newChild']> {
    const child = super.newChild(description);
    child.registerInstance(DefinitionFactory, definitions);
    return child;
  }
}

/**
 * Starts one jspurefix entity (initiator: one TCP connection and session; acceptor: a listener,
 * `create` called per accepted connection). `done` settles when it ends: for an initiator, resolves
 * after a logout and rejects with the reason on a failed connect or a broken session.
 */
export async function startFixEntity<S extends AsciiSession>(
  description: ISessionDescription,
  logFactory: JsFixLoggerFactory | undefined,
  create: (config: IJsFixConfig) => S,
): Promise<{ entity: FixEntity; done: Promise<unknown> }> {
  const container = new DictionaryCachingContainer();
  container.registerGlobal(logFactory ?? new EmptyLogFactory());
  const scope = await container.makeSystem(description);
  scope.register(DITokens.FixSession, {
    useFactory: (c) => create(c.resolve<IJsFixConfig>(DITokens.IJsFixConfig)),
  });
  const entity = scope.resolve<FixEntity>(DITokens.FixEntity);
  return { entity, done: entity.start() };
}
