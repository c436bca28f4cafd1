import assert from 'node:assert/strict';
import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { rejoiningOnMembershipLoss } from '../../../adapters/kafka/group-membership';

/** A protocol error as the broker reports it (kafkajs builds them from the error code's table entry). */
function protocolError(type: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ type, code: 25, retriable: false, message: `broker says ${type}` } as unknown as Error);
}

/** What kafkajs's retrier throws for a non-retriable error: a wrapper with the protocol error as its cause. */
function wrapped(cause: Error): KafkaJSNonRetriableError {
  return new (KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => KafkaJSNonRetriableError)(cause, { cause });
}

describe('ingest: commits and heartbeats that lose the group membership', () => {
  it('rethrow the protocol error itself, which kafkajs answers by rejoining, for a lost membership', async () => {
    for (const type of ['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION']) {
      const cause = protocolError(type);
      await assert.rejects(rejoiningOnMembershipLoss(() => Promise.reject(wrapped(cause))), (e: unknown) => e === cause);
    }
  });

  it('leave every other failure as it was, and pass results through', async () => {
    const other = wrapped(protocolError('TOPIC_AUTHORIZATION_FAILED'));
    await assert.rejects(rejoiningOnMembershipLoss(() => Promise.reject(other)), (e: unknown) => e === other);
    const plain = new Error('boom');
    await assert.rejects(rejoiningOnMembershipLoss(() => Promise.reject(plain)), (e: unknown) => e === plain);
    assert.equal(await rejoiningOnMembershipLoss(() => Promise.resolve(7)), 7);
  });
});
