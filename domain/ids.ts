/**
 * The one bound on user and movie ids across the platform: the API, the consumer, silver (INT32
 * parquet columns), DynamoDB and the model (32-bit arrays) all hold ids as positive signed 32-bit
 * integers. A larger id would wrap around in the batch and merge into another user's or movie's data,
 * so it is refused where it enters.
 */
export const MAX_ID = 2_147_483_647;
