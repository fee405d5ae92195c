import { RoleSchema, type Actor } from '../../machines/domain';

/** Actors are stored flat (actor_id, actor_role, actor_org_id) and reassembled on read. */
export function actorColumns(actor: Actor): { actor_id: string; actor_role: string; actor_org_id: string | null } {
  return { actor_id: actor.id, actor_role: actor.role, actor_org_id: actor.orgId ?? null };
}

export function actorFromColumns(row: { actor_id: string; actor_role: string; actor_org_id: string | null }): Actor {
  const actor: Actor = { id: row.actor_id, role: RoleSchema.parse(row.actor_role) };
  if (row.actor_org_id !== null) actor.orgId = row.actor_org_id;
  return actor;
}
