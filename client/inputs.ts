/**
 * The JSON files the CLI reads, each with the zod schema that validates it (house style: one schema per command,
 * the statechart's own). A file may hold the value itself or, for readability, the value under its name
 * (`{ "request": { ... } }`). The examples test reads every file in examples/ through these same readers.
 */
import type { ZodTypeAny, z } from 'zod';
import { CommandPayloadSchemas } from '../machines/commands';
import {
  AnnualSummarySchema,
  ApplicationSchema,
  CallInfoSchema,
  DirectorSchema,
  FundingRequestSchema,
  IntegrityIncidentSchema,
  ReviewSchema,
} from '../machines/domain';
import { readJson, unwrapKey, validate } from './args';

interface InputSpec {
  what: string;
  schema: ZodTypeAny;
  /** The name the value may be wrapped in. */
  key?: string;
  /** The name the schema expects the value under (the command payload's field). */
  wrap?: string;
}

export const INPUT_FILES = {
  call: { what: 'call', schema: CallInfoSchema },
  application: { what: 'application', schema: ApplicationSchema },
  experts: { what: 'list of experts', schema: CommandPayloadSchemas.ASSIGN_EXPERTS, key: 'experts', wrap: 'experts' },
  review: { what: 'review', schema: ReviewSchema, key: 'review' },
  /** Art. 13–16 */
  fundingRequest: { what: 'funding request', schema: FundingRequestSchema, key: 'request' },
  /** Art. 18 */
  annualSummary: { what: 'annual summary', schema: AnnualSummarySchema, key: 'summary' },
  selfEvaluation: { what: 'self-evaluation', schema: CommandPayloadSchemas.SUBMIT_SELF_EVALUATION, key: 'selfEvaluation' },
  inspection: { what: 'on-site inspection', schema: CommandPayloadSchemas.RECORD_INSPECTION, key: 'inspection' },
  evaluationExperts: { what: 'list of experts', schema: CommandPayloadSchemas.ASSIGN_EVALUATION_EXPERTS, key: 'experts', wrap: 'experts' },
  evaluationReview: { what: 'evaluation review', schema: CommandPayloadSchemas.SUBMIT_EVALUATION_REVIEW, key: 'review' },
  /** Art. 19 */
  rectification: { what: 'rectification report', schema: CommandPayloadSchemas.SUBMIT_RECTIFICATION },
  /** Art. 12 */
  incident: { what: 'integrity incident', schema: IntegrityIncidentSchema, key: 'incident' },
  /** Art. 6, 8(7) */
  director: { what: 'director', schema: DirectorSchema, key: 'director' },
  staff: { what: 'staff list', schema: CommandPayloadSchemas.RECORD_STAFF_CHANGE.shape.staff, key: 'staff' },
} as const satisfies Record<string, InputSpec>;

export type InputKind = keyof typeof INPUT_FILES;
export type InputOf<K extends InputKind> = z.output<(typeof INPUT_FILES)[K]['schema']>;

/** Validates a parsed JSON value as input `kind`; every failing field is named. */
export function parseInput<K extends InputKind>(kind: K, value: unknown, label: string): InputOf<K> {
  const spec: InputSpec = INPUT_FILES[kind];
  const inner = spec.key ? unwrapKey(value, spec.key) : value;
  return validate(spec.wrap ? { [spec.wrap]: inner } : inner, spec.schema, `${label} is not a valid ${spec.what}:`) as InputOf<K>;
}

/** Reads a JSON file (`-` for standard input) and validates it as input `kind`. */
export function readInput<K extends InputKind>(kind: K, file: string): InputOf<K> {
  return parseInput(kind, readJson(file), file === '-' ? 'standard input' : file);
}
