/**
 * The project's custom search attributes (registered on the dev server with `--search-attribute NAME=Type`,
 * and on any other cluster with `temporal operator search-attribute create`).
 *
 * This module imports nothing from Node, so workflow code may import it directly (import from
 * 'config/search-attributes', not from 'config', which reads files).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Type names as the `temporal` CLI spells them (`--search-attribute NAME=Type`). */
export type SearchAttributeTypeName = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTES = {
  CenterId: 'Keyword',
  CenterState: 'Keyword',
  UniversityId: 'Keyword',
  CallId: 'Keyword',
  CenterCycle: 'Int',
  NextDeadline: 'Datetime',
} as const satisfies Record<string, SearchAttributeTypeName>;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** Typed keys for `upsertSearchAttributes` / `typedSearchAttributes` in workflows and clients. */
export const SEARCH_ATTRIBUTE_KEYS = {
  CenterId: defineSearchAttributeKey('CenterId', SearchAttributeType.KEYWORD),
  CenterState: defineSearchAttributeKey('CenterState', SearchAttributeType.KEYWORD),
  UniversityId: defineSearchAttributeKey('UniversityId', SearchAttributeType.KEYWORD),
  CallId: defineSearchAttributeKey('CallId', SearchAttributeType.KEYWORD),
  CenterCycle: defineSearchAttributeKey('CenterCycle', SearchAttributeType.INT),
  NextDeadline: defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME),
} as const;
