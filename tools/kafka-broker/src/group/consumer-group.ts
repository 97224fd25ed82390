// State of one consumer group: members, generation and the rebalance state machine's current
// state, mirroring Kafka's GroupMetadata.
import { type ErrorCode } from '../protocol/error-codes';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: ErrorCode;
  assignment: Buffer;
}

export class GroupMember {
  assignment: Buffer = Buffer.alloc(0);
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  awaitingSync: ((r: SyncResult) => void) | null = null;
  sessionTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocols: GroupProtocol[],
  ) {}

  /** Same protocols with the same metadata: a rejoin that needs no new rebalance. */
  matches(protocols: GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every(
      (p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata),
    );
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  stopSessionTimer(): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.sessionTimer = null;
  }
}

export class ConsumerGroup {
  state: GroupState = 'Empty';
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** Members told MEMBER_ID_REQUIRED (KIP-394) that have not rejoined yet, with their expiry. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  joinDeadline: NodeJS.Timeout | null = null;
  initialDelay: NodeJS.Timeout | null = null;

  constructor(
    readonly groupId: string,
    public generationId: number,
  ) {}

  get allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.awaitingJoin) return false;
    return true;
  }

  /** Kafka's supportsProtocols: same protocol type and at least one protocol every member has. */
  supportsProtocols(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  private candidateProtocols(): Set<string> {
    let candidates: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      const previous: Set<string> | null = candidates;
      candidates = previous === null ? names : new Set([...previous].filter((n: string) => names.has(n)));
    }
    return candidates ?? new Set<string>();
  }

  /** Each member votes for its most preferred protocol that all members support. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  clearJoinTimers(): void {
    if (this.joinDeadline) clearTimeout(this.joinDeadline);
    if (this.initialDelay) clearTimeout(this.initialDelay);
    this.joinDeadline = null;
    this.initialDelay = null;
  }
}
