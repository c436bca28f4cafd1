/** Kafka protocol errors that mean this member lost its place in the group: it must rejoin. */
const MEMBERSHIP_LOST = new Set(['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP']);

function rootCause(err: unknown): unknown {
  let current = err;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

/**
 * Runs a commit or heartbeat from inside `eachBatch`. When it fails because the member lost its place
 * in the group (a batch outlasted the session, say), kafkajs wraps the protocol error in a
 * non-retriable one and the consumer would crash; rethrowing the protocol error itself lets kafkajs's
 * runner rejoin the group instead, and the uncommitted messages are delivered again (the writers are
 * idempotent).
 */
export async function rejoiningOnMembershipLoss<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const cause = rootCause(err);
    if (cause !== err && cause instanceof Error && MEMBERSHIP_LOST.has((cause as Error & { type?: string }).type ?? '')) throw cause;
    throw err;
  }
}
