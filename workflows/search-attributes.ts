import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes operators filter runs by in the Temporal UI; services:up registers them. */
export const RUN_DATE = defineSearchAttributeKey('RunDate', SearchAttributeType.KEYWORD);
export const MODEL_VERSION = defineSearchAttributeKey('ModelVersion', SearchAttributeType.KEYWORD);
export const DEPLOYED = defineSearchAttributeKey('Deployed', SearchAttributeType.BOOL);
