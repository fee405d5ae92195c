/** Art. 6, 8(7), 12: what a change of director or staff, or an integrity incident, shows once recorded. */
import { section } from '../format';
import { incidentsTable } from './build-views';
import { output, type Renders } from './send';

export const organisationRenders: Renders = {
  RECORD_INTEGRITY_INCIDENT: (sent) => output(sent, (view) => [section('Integrity incidents (Art. 12)', incidentsTable(view.incidents))]),
  RECORD_DIRECTOR_CHANGE: (sent, { director, effectiveOn }) =>
    output(sent, () => [`Director from ${effectiveOn}: ${director.name}, ${director.title}, ${director.department}.`]),
  RECORD_STAFF_CHANGE: (sent, { staff, effectiveOn }) =>
    output(sent, (view) => [
      `Staff from ${effectiveOn}: ${staff.length}, of whom ${view.qualifiedStaff} full-time with a background that counts for Art. 8(7) (tech transfer, IP, law, finance).`,
    ]),
};
