/**
 * The dispatch table as data (Azurite's handler-per-resource model): every resource module exports its
 * `routes`, and `createRouter` compiles the list it is given — nothing registers itself on import. A future
 * `authorize` (delegated sign-in) module adds its rows to ROUTES below like any other resource.
 */
import { routes as applications } from './resources/applications';
import { routes as calendar } from './resources/calendar';
import { routes as events } from './resources/events';
import { routes as groups } from './resources/groups';
import { routes as identity } from './resources/identity';
import { routes as mail } from './resources/mail';
import { routes as organization } from './resources/organization';
import { routes as schedule } from './resources/schedule';
import { routes as servicePrincipals } from './resources/servicePrincipals';
import { routes as users } from './resources/users';
import type { RouteDef } from './types';

/** Every Graph v1.0 route the emulator serves, by resource. Order matters only for identical patterns. */
export const ROUTES: readonly RouteDef[] = [
  ...users,
  ...groups,
  ...servicePrincipals,
  ...applications,
  ...organization,
  ...calendar,
  ...events,
  ...schedule,
  ...mail,
  ...identity,
];

interface CompiledRoute extends RouteDef {
  pattern: RegExp;
}

export type RouteMatch = { route: RouteDef; params: string[] } | { allowed: string[] } | undefined;

export interface Router {
  match(method: string, path: string): RouteMatch;
  /** Route ids (for fault injection and the request log), plus the two served outside the table. */
  ids(): string[];
}

const SEG = '([^/]+)';
/** `/{id}` or `(appId='…')` (alternate key, serviceprincipal-get.md). */
const KEY = "(/[^/]+|\\(appId='[^']*'\\))";

function compile(r: RouteDef): CompiledRoute {
  const src = r.path
    .replace(/\$/g, '\\$')
    .replace(/\./g, '\\.')
    .replace('{key}', KEY)
    .replace(/\{[^}]+\}/g, SEG);
  return { ...r, pattern: new RegExp(`^${src}/?$`, 'i') };
}

export function createRouter(defs: readonly RouteDef[] = ROUTES): Router {
  const table = defs.map(compile);
  return {
    match(method, path) {
      const allowed: string[] = [];
      for (const r of table) {
        const m = r.pattern.exec(path);
        if (!m) continue;
        if (r.method !== method) {
          allowed.push(r.method);
          continue;
        }
        return { route: r, params: m.slice(1) };
      }
      return allowed.length ? { allowed } : undefined;
    },
    ids: () => [...new Set(table.map((r) => r.id)), 'batch', 'token'],
  };
}
