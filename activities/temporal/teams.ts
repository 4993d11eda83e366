/**
 * The health check's opt-in Teams-link step (the tenant's `teamsProbe` setting): one capability probe on a
 * mailbox the check just reached, classified with the one classification in contracts/teams.ts. A probe that
 * cannot run is "not checked", never a failed health check: Teams links are reported, not judged.
 */
import type { GraphActivities, TenantRef, UserProbeResult } from '../../contracts/activities';
import {
  classifyTeamsProbe,
  reachableMailboxes,
  teamsNotChecked,
  type TeamsLinks,
} from '../../contracts/teams';

export async function healthTeamsLinks(
  graph: Pick<GraphActivities, 'capabilityProbe'>,
  tenant: TenantRef,
  probed: UserProbeResult[],
): Promise<TeamsLinks> {
  try {
    return classifyTeamsProbe(
      await graph.capabilityProbe({ tenant, candidates: reachableMailboxes(probed) }),
    );
  } catch (err) {
    return teamsNotChecked(
      `the Teams probe could not run: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
