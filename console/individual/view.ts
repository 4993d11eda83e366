/**
 * The owner's view of an individual-mode tenant for the console templates (individual-section.njk): the
 * sweep's `individualState` answer, with "N of M invited users connected; K broken (why)" and each break kind
 * explained with what its user does about it.
 */
import {
  BROKEN_KINDS,
  BROKEN_TEXT,
  describeConnections,
  type BrokenKind,
  type IndividualSweepState,
} from '../../contracts/individual';

export interface ConnectionsView extends IndividualSweepState {
  line: string;
  broken: { kind: BrokenKind; count: number; what: string; fix: string }[];
}

export function connectionsView(state: IndividualSweepState): ConnectionsView {
  const broken = BROKEN_KINDS.filter((k) => (state.summary.brokenByKind[k] ?? 0) > 0).map((kind) => ({
    kind,
    count: state.summary.brokenByKind[kind]!,
    ...BROKEN_TEXT[kind],
  }));
  return { ...state, line: describeConnections(state.summary), broken };
}
