/** Groups and their (transitive) members (group-get.md, group-list-members.md, group-list-transitivemembers.md). */
import { resourceNotFound } from '../../errors';
import { applySelect, parseFilter, parseSelect, type Row } from '../../odata';
import type { Group, User } from '../../state';
import { advancedQuery, ctxUrl, directoryPage, ok, requireRoles, setContext } from '../http';
import type { Ctx, Handler, RouteDef } from '../types';
import { shapeUser, userRow, USER_PROPS } from './users';

// ------------------------------------------------------------------ groups

const GROUP_PROPS = [
  'id',
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'membershipRule',
  'membershipRuleProcessingState',
];

function groupRow(g: Group): Row {
  const { members: _m, ...rest } = g;
  return rest as unknown as Row;
}

function findGroupOr404(c: Ctx): Group {
  const g = c.caller.tenant.findGroup(c.params[0]!);
  if (!g) throw resourceNotFound(c.params[0]);
  return g;
}

const GROUP_READ = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

function memberRows(c: Ctx, ids: string[], usersOnly: boolean): Row[] {
  const select = parseSelect(c.req.query, USER_PROPS, 'user');
  const tenant = c.caller.tenant;
  const full = ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].some((r) =>
    c.caller.roles.has(r),
  );
  const rows: Row[] = [];
  for (const id of ids) {
    const u = tenant.usersById.get(id);
    if (u) {
      rows.push({ '@odata.type': '#microsoft.graph.user', ...shapeUser(u, select, full ? 'full' : 'basic') });
    } else if (!usersOnly) {
      const g = tenant.groups.get(id);
      if (g)
        rows.push({
          '@odata.type': '#microsoft.graph.group',
          id: g.id,
          displayName: g.displayName,
          mail: g.mail,
        });
    }
  }
  return rows;
}

function listMembers(transitive: boolean, usersOnly: boolean): Handler {
  return (c) => {
    requireRoles(c, GROUP_READ);
    const g = findGroupOr404(c);
    const tenant = c.caller.tenant;
    let ids: string[];
    if (transitive)
      ids = usersOnly
        ? tenant.transitiveUserIds(g.id)
        : [...tenant.transitiveGroupIds(g.id), ...tenant.transitiveUserIds(g.id)];
    else ids = usersOnly ? g.members.filter((m) => tenant.usersById.has(m)) : g.members;
    const filter = c.req.query.get('$filter');
    let rows = memberRows(c, ids, usersOnly);
    if (filter !== null) {
      const clause = parseFilter(filter, { properties: [...USER_PROPS], advanced: advancedQuery(c) });
      const all = ids.map((id) => tenant.usersById.get(id)).filter((u): u is User => !!u);
      const keep = new Set(all.filter((u) => clause(userRow(u))).map((u) => u.id));
      rows = rows.filter((r) => keep.has(r.id as string));
    }
    return directoryPage(
      c,
      rows,
      (r) => r,
      setContext(usersOnly ? 'users' : 'directoryObjects', parseSelect(c.req.query, USER_PROPS, 'user')),
    );
  };
}

// ------------------------------------------------------------------ service principals & consent

export const routes: RouteDef[] = [
  {
    id: 'getGroup',
    method: 'GET',
    path: '/groups/{id}',
    handler: (c) => {
      requireRoles(c, GROUP_READ);
      const g = findGroupOr404(c);
      const select = parseSelect(c.req.query, GROUP_PROPS, 'group');
      return ok({
        '@odata.context': ctxUrl(c, setContext('groups', select, true)),
        ...applySelect(groupRow(g), select),
      });
    },
  },
  { id: 'listGroupMembers', method: 'GET', path: '/groups/{id}/members', handler: listMembers(false, false) },
  {
    id: 'listGroupMembers',
    method: 'GET',
    path: '/groups/{id}/members/microsoft.graph.user',
    handler: listMembers(false, true),
  },
  {
    id: 'transitiveMembers',
    method: 'GET',
    path: '/groups/{id}/transitiveMembers',
    handler: listMembers(true, false),
  },
  {
    id: 'transitiveMembers',
    method: 'GET',
    path: '/groups/{id}/transitiveMembers/microsoft.graph.user',
    handler: listMembers(true, true),
  },
];
