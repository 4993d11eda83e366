/**
 * The owner's view of an individual-mode tenant for the console templates (individual-section.njk): the
 * sweep's `individualState` answer, with "N of M invited users connected; K broken (why)" and each break kind
 * explained with what its user does about it, and the last individual sample test (its unreachable accounts
 * described in the same words as the domain-wide report's, contracts/reason-labels.ts).
 */
import {
  BROKEN_KINDS,
  BROKEN_TEXT,
  describeConnections,
  type BrokenKind,
  type IndividualSweepState,
} from '../../contracts/individual';
import type { InaccessibleUser } from '../../contracts/messages';
import { describeInaccessible, type ReasonText } from '../../contracts/reason-labels';

export interface UnreachableRow extends InaccessibleUser {
  text: ReasonText;
}

export interface ConnectionsView extends IndividualSweepState {
  line: string;
  broken: { kind: BrokenKind; count: number; what: string; fix: string }[];
  /** The last sample test's unreachable accounts, for the shared unreachable-table.njk (sorted by reason). */
  sampleUnreachable: UnreachableRow[];
}

/** Unreachable accounts with their reason and fix, sorted by reason (the domain-wide report's order too). */
export function unreachableRows(users: InaccessibleUser[] | undefined): UnreachableRow[] {
  return (users ?? [])
    .map((u) => ({ ...u, text: describeInaccessible(u) }))
    .sort((a, b) => a.text.label.localeCompare(b.text.label));
}

export function connectionsView(state: IndividualSweepState): ConnectionsView {
  const broken = BROKEN_KINDS.filter((k) => (state.summary.brokenByKind[k] ?? 0) > 0).map((kind) => ({
    kind,
    count: state.summary.brokenByKind[kind]!,
    ...BROKEN_TEXT[kind],
  }));
  return {
    ...state,
    line: describeConnections(state.summary),
    broken,
    sampleUnreachable: unreachableRows(state.lastSampleTest?.inaccessible),
  };
}
