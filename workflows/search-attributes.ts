import { SEARCH_ATTRIBUTE_KEYS } from '../config/search-attributes';

/** SPEC §4: centers are listed through Temporal visibility by these (registered by `npm start` and the tests). */
export const {
  CenterId: CenterIdKey,
  CenterState: CenterStateKey,
  UniversityId: UniversityIdKey,
  CallId: CallIdKey,
  CenterCycle: CenterCycleKey,
  NextDeadline: NextDeadlineKey,
} = SEARCH_ATTRIBUTE_KEYS;
