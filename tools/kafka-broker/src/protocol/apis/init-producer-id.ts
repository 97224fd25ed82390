// InitProducerId (key 22), v0-1: a fresh producer id with epoch 0 for idempotent producers.
// Transactions are not supported; a transactional id still gets an id but its batches are refused.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

export const initProducerIdApi: ApiHandler = {
  key: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, r) {
    r.nullableString(); // transactional_id
    r.int32(); // transaction_timeout_ms
    const producerId = ctx.broker.producerIds.allocate();
    ctx.broker.logger.debug('producer id allocated', { producerId, clientId: ctx.clientId });
    const w = new ResponseWriter(32);
    w.int32(0).int16(ErrorCode.NONE).int64(producerId).int16(0);
    return w;
  },
};
