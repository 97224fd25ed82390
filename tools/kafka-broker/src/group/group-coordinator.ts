// The group coordinator: runs the consumer-group rebalance protocol (JoinGroup / SyncGroup /
// Heartbeat / LeaveGroup with session and rebalance timeouts) and validates offset commits
// against the current generation, following Kafka's GroupCoordinator.
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ErrorCode as ErrorCodeT } from '../protocol/error-codes';
import { type Logger } from '../logger';
import {
  ConsumerGroup,
  GroupMember,
  type GroupProtocol,
  type JoinResult,
  type SyncResult,
} from './consumer-group';
import { type CommittedOffset, type OffsetCommitEntry, type OffsetStore } from './offset-store';

const MAX_METADATA_SIZE = 4096;

export interface GroupCoordinatorOptions {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
}

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a new member first gets an id back with MEMBER_ID_REQUIRED (KIP-394). */
  requireKnownMemberId: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface GroupDescription {
  errorCode: ErrorCodeT;
  groupId: string;
  state: string;
  protocolType: string;
  protocolData: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }>;
}

export type CommitCheck = (topic: string, partition: number) => boolean;

function joinError(errorCode: ErrorCodeT, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [] };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, ConsumerGroup>();
  private closed = false;

  constructor(
    private readonly offsets: OffsetStore,
    private readonly options: GroupCoordinatorOptions,
    private readonly logger: Logger,
  ) {}

  private group(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  private createGroup(groupId: string): ConsumerGroup {
    const g = new ConsumerGroup(groupId, this.offsets.generationOf(groupId));
    this.groups.set(groupId, g);
    return g;
  }

  // ---- JoinGroup -------------------------------------------------------------------------

  join(req: JoinRequest): Promise<JoinResult> {
    if (this.closed) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (req.groupId.length === 0) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (
      req.sessionTimeoutMs < this.options.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.options.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.group(req.groupId);
    if (!group) {
      if (req.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      group = this.createGroup(req.groupId);
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (req.memberId === '') this.joinUnknownMember(g, req, resolve);
      else this.joinKnownMember(g, req, resolve);
    });
  }

  private joinUnknownMember(group: ConsumerGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.requireKnownMemberId) {
      // The member must come back with this id; until then the rebalance waits for it.
      const expiry = setTimeout(() => {
        group.pendingMembers.delete(memberId);
        if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
      }, req.sessionTimeoutMs);
      expiry.unref();
      group.pendingMembers.set(memberId, expiry);
      resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      return;
    }
    this.addMemberAndRebalance(group, memberId, req, resolve);
  }

  private joinKnownMember(group: ConsumerGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      this.addMemberAndRebalance(group, req.memberId, req, resolve);
      return;
    }
    const member = group.members.get(req.memberId);
    if (!member) {
      resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, resolve);
        break;
      case 'CompletingRebalance':
        if (member.matches(req.protocols)) {
          // The member missed the join response; hand it the current generation again.
          resolve(this.joinResultFor(group, member));
        } else {
          this.updateMemberAndRebalance(group, member, req, resolve);
        }
        break;
      case 'Stable':
        if (member.memberId === group.leaderId || !member.matches(req.protocols)) {
          this.updateMemberAndRebalance(group, member, req, resolve);
        } else {
          resolve(this.joinResultFor(group, member));
        }
        break;
      default:
        resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  private addMemberAndRebalance(
    group: ConsumerGroup,
    memberId: string,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    const member = new GroupMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      req.rebalanceTimeoutMs,
      req.protocols,
    );
    if (group.members.size === 0) group.protocolType = req.protocolType;
    group.members.set(memberId, member);
    if (group.leaderId === null) group.leaderId = memberId;
    member.awaitingJoin = resolve;
    this.logger.info('member joined group', { group: group.groupId, memberId, clientId: req.clientId });
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  private updateMemberAndRebalance(
    group: ConsumerGroup,
    member: GroupMember,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    // A second join from the same member supersedes the first (e.g. after a reconnect).
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.awaitingJoin = resolve;
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  private maybePrepareRebalance(group: ConsumerGroup, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.prepareRebalance(group, reason);
    }
    this.tryCompleteJoin(group);
  }

  private prepareRebalance(group: ConsumerGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      // Members waiting for the old generation's assignment must rejoin instead.
      for (const m of group.members.values()) {
        m.assignment = Buffer.alloc(0);
        const sync = m.awaitingSync;
        m.awaitingSync = null;
        sync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.logger.info('preparing to rebalance group', {
      group: group.groupId,
      generationId: group.generationId,
      reason,
    });
    group.clearJoinTimers();
    const timeout = Math.max(group.maxRebalanceTimeoutMs(), 1);
    group.joinDeadline = setTimeout(() => this.onJoinDeadline(group), timeout);
    if (wasEmpty && this.options.initialRebalanceDelayMs > 0) {
      // group.initial.rebalance.delay.ms: let more members of a starting group arrive first.
      group.initialDelay = setTimeout(
        () => {
          group.initialDelay = null;
          this.tryCompleteJoin(group);
        },
        Math.min(this.options.initialRebalanceDelayMs, timeout),
      );
    }
  }

  private tryCompleteJoin(group: ConsumerGroup): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelay !== null) return;
    if (group.allMembersJoined) this.completeJoin(group);
  }

  private onJoinDeadline(group: ConsumerGroup): void {
    group.joinDeadline = null;
    if (group.state !== 'PreparingRebalance') return;
    if (group.initialDelay) clearTimeout(group.initialDelay);
    group.initialDelay = null;
    this.completeJoin(group);
  }

  private completeJoin(group: ConsumerGroup): void {
    group.clearJoinTimers();
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin) {
        this.logger.info('removing member that did not rejoin in time', {
          group: group.groupId,
          memberId: m.memberId,
        });
        this.removeMember(group, m);
      }
    }
    group.generationId++;
    this.offsets.recordGeneration(group.groupId, group.generationId);
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      this.logger.info('group is empty', { group: group.groupId, generationId: group.generationId });
      return;
    }
    group.protocolName = group.selectProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId))
      group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    this.logger.info('group rebalanced', {
      group: group.groupId,
      generationId: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      members: group.members.size,
    });
    for (const m of group.members.values()) {
      const resolve = m.awaitingJoin!;
      m.awaitingJoin = null;
      this.scheduleSessionExpiry(group, m);
      resolve(this.joinResultFor(group, m));
    }
  }

  private joinResultFor(group: ConsumerGroup, member: GroupMember): JoinResult {
    const isLeader = member.memberId === group.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName ?? '',
      leaderId: group.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.metadataFor(group.protocolName ?? ''),
          }))
        : [],
    };
  }

  // ---- SyncGroup -------------------------------------------------------------------------

  sync(req: SyncRequest): Promise<SyncResult> {
    const fail = (errorCode: ErrorCodeT): Promise<SyncResult> =>
      Promise.resolve({ errorCode, assignment: Buffer.alloc(0) });
    if (this.closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const group = this.group(req.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const member = group.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.scheduleSessionExpiry(group, member);
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
          member.awaitingSync = resolve;
          this.scheduleSessionExpiry(group, member);
          if (member.memberId === group.leaderId) {
            const byMember = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
            for (const m of group.members.values())
              m.assignment = byMember.get(m.memberId) ?? Buffer.alloc(0);
            group.state = 'Stable';
            this.logger.info('group stable', { group: group.groupId, generationId: group.generationId });
            for (const m of group.members.values()) {
              const waiting = m.awaitingSync;
              m.awaitingSync = null;
              waiting?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
            }
          }
        });
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  // ---- Heartbeat / LeaveGroup / session expiry ---------------------------------------------

  heartbeat(groupId: string, generationId: number, memberId: string): ErrorCodeT {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const group = this.group(groupId);
    if (!group || group.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleSessionExpiry(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** groupError is the top-level code; members holds one code per member id. */
  leave(groupId: string, memberIds: string[]): { groupError: ErrorCodeT; members: ErrorCodeT[] } {
    const group = this.group(groupId);
    if (!group)
      return {
        groupError: ErrorCode.UNKNOWN_MEMBER_ID,
        members: memberIds.map(() => ErrorCode.UNKNOWN_MEMBER_ID),
      };
    const results = memberIds.map((memberId) => {
      const pending = group.pendingMembers.get(memberId);
      if (pending) {
        clearTimeout(pending);
        group.pendingMembers.delete(memberId);
        this.tryCompleteJoin(group);
        return ErrorCode.NONE;
      }
      const member = group.members.get(memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.logger.info('member left group', { group: groupId, memberId });
      this.removeMemberAndUpdateGroup(group, member, `member ${memberId} left`);
      return ErrorCode.NONE;
    });
    return { groupError: ErrorCode.NONE, members: results };
  }

  private scheduleSessionExpiry(group: ConsumerGroup, member: GroupMember): void {
    if (member.sessionTimer) {
      member.sessionTimer.refresh();
      return;
    }
    member.sessionTimer = setTimeout(() => this.onSessionExpired(group, member), member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private onSessionExpired(group: ConsumerGroup, member: GroupMember): void {
    member.sessionTimer = null;
    if (group.members.get(member.memberId) !== member) return;
    if (member.awaitingJoin || member.awaitingSync) {
      // Waiting on the coordinator, not silent: the rebalance timeout governs it.
      this.scheduleSessionExpiry(group, member);
      return;
    }
    this.logger.info('member session expired', { group: group.groupId, memberId: member.memberId });
    this.removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
  }

  private removeMember(group: ConsumerGroup, member: GroupMember): void {
    member.stopSessionTimer();
    group.members.delete(member.memberId);
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null;
    const join = member.awaitingJoin;
    member.awaitingJoin = null;
    join?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    const sync = member.awaitingSync;
    member.awaitingSync = null;
    sync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
  }

  private removeMemberAndUpdateGroup(group: ConsumerGroup, member: GroupMember, reason: string): void {
    this.removeMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  // ---- Offsets ---------------------------------------------------------------------------

  /** Validates the committer against the group's generation, then persists; one code per entry. */
  commitOffsets(
    groupId: string,
    generationId: number,
    memberId: string,
    entries: OffsetCommitEntry[],
    partitionExists: CommitCheck,
  ): ErrorCodeT[] {
    const all = (code: ErrorCodeT): ErrorCodeT[] => entries.map(() => code);
    if (this.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (groupId.length === 0) return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.group(groupId);
    if (!group) {
      // Only a client not using group management (generation -1) may commit to an unknown group.
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.createGroup(groupId);
    }
    if (!(generationId < 0 && group.state === 'Empty')) {
      if (group.state === 'CompletingRebalance') return all(ErrorCode.REBALANCE_IN_PROGRESS);
      const member = group.members.get(memberId);
      if (!member) return all(ErrorCode.UNKNOWN_MEMBER_ID);
      if (generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
      this.scheduleSessionExpiry(group, member);
    }
    const accepted: OffsetCommitEntry[] = [];
    const codes = entries.map((e) => {
      if (e.metadata.length > MAX_METADATA_SIZE) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
      if (!partitionExists(e.topic, e.partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      accepted.push(e);
      return ErrorCode.NONE;
    });
    this.offsets.commit(groupId, accepted);
    return codes;
  }

  fetchOffset(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.fetch(groupId, topic, partition);
  }

  fetchAllOffsets(groupId: string): OffsetCommitEntry[] {
    return this.offsets.fetchAll(groupId);
  }

  /** Offsets of a deleted topic go with it, as Kafka removes them. */
  topicDeleted(topic: string): void {
    this.offsets.deleteTopic(topic);
  }

  // ---- Admin -----------------------------------------------------------------------------

  describe(groupId: string): GroupDescription {
    const group = this.group(groupId);
    if (!group) {
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        state: this.offsets.hasOffsets(groupId) ? 'Empty' : 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
      };
    }
    const stable = group.state === 'Stable';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(group.protocolName ?? '') : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  list(): Array<{ groupId: string; protocolType: string; state: string }> {
    const out = new Map<string, { groupId: string; protocolType: string; state: string }>();
    for (const id of this.offsets.groupIds()) {
      if (this.offsets.hasOffsets(id)) out.set(id, { groupId: id, protocolType: 'consumer', state: 'Empty' });
    }
    for (const g of this.groups.values()) {
      if (g.state === 'Empty' && !this.offsets.hasOffsets(g.groupId)) continue;
      out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType ?? 'consumer', state: g.state });
    }
    return [...out.values()];
  }

  deleteGroup(groupId: string): ErrorCodeT {
    const group = this.group(groupId);
    if (group && group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    if (!group && !this.offsets.hasOffsets(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group) {
      group.clearJoinTimers();
      for (const t of group.pendingMembers.values()) clearTimeout(t);
      this.groups.delete(groupId);
    }
    this.offsets.deleteGroup(groupId);
    return ErrorCode.NONE;
  }

  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) {
      group.clearJoinTimers();
      for (const t of group.pendingMembers.values()) clearTimeout(t);
      for (const m of [...group.members.values()]) this.removeMember(group, m);
    }
    this.groups.clear();
  }
}
