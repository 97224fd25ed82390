// Every API this broker answers. ApiVersions advertises exactly these ranges: all non-flexible
// (pre-KIP-482) versions, which kafkajs 2.x and librdkafka both negotiate down to.
import { type ApiHandler } from '../api';
import { apiVersionsApi } from './api-versions';
import { createPartitionsApi } from './create-partitions';
import { createTopicsApi } from './create-topics';
import { deleteGroupsApi } from './delete-groups';
import { deleteTopicsApi } from './delete-topics';
import { describeConfigsApi } from './describe-configs';
import { describeGroupsApi } from './describe-groups';
import { fetchApi } from './fetch';
import { findCoordinatorApi } from './find-coordinator';
import { heartbeatApi } from './heartbeat';
import { initProducerIdApi } from './init-producer-id';
import { joinGroupApi } from './join-group';
import { leaveGroupApi } from './leave-group';
import { listGroupsApi } from './list-groups';
import { listOffsetsApi } from './list-offsets';
import { metadataApi } from './metadata';
import { offsetCommitApi } from './offset-commit';
import { offsetFetchApi } from './offset-fetch';
import { produceApi } from './produce';
import { syncGroupApi } from './sync-group';

export const API_HANDLERS: readonly ApiHandler[] = [
  produceApi,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  findCoordinatorApi,
  joinGroupApi,
  heartbeatApi,
  leaveGroupApi,
  syncGroupApi,
  describeGroupsApi,
  listGroupsApi,
  apiVersionsApi,
  createTopicsApi,
  deleteTopicsApi,
  initProducerIdApi,
  describeConfigsApi,
  createPartitionsApi,
  deleteGroupsApi,
];
