import { normalizeEmail } from "./Email.ts"

/** Role-based access: each role includes the ones before it. */
export type Role = "reader" | "writer" | "admin"

export const roles: ReadonlyArray<Role> = ["reader", "writer", "admin"]

export const isRole = (value: string): value is Role => (roles as ReadonlyArray<string>).includes(value)

/** What a caller wants to do; one per REST endpoint. */
export type Action = "read" | "create" | "update" | "delete" | "addMembers" | "removeMembers"

export const isMutation = (action: Action): boolean => action !== "read"

/**
 * Who is calling. `role` grants role-based access; a user without a role may still act as an owner
 * (self-service) when `selfService` is set, identified by `addresses` (UPN and other sign-in names).
 */
export interface Caller {
  readonly kind: "apiKey" | "app" | "user"
  /** What audit lines show: the key name, the client id of the app, or the user's UPN. */
  readonly name: string
  readonly role?: Role | undefined
  readonly upn?: string | undefined
  readonly addresses?: ReadonlyArray<string> | undefined
  readonly selfService?: boolean | undefined
}

/** What is known about the distribution list an action touches. */
export interface AccessContext {
  /** Owner addresses of the list the action targets (every action but create). */
  readonly owners?: ReadonlyArray<string> | undefined
  /** Owner addresses the request would set: the owners of a new list, or an update's new owners. */
  readonly requestedOwners?: ReadonlyArray<string> | undefined
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string }

const allow: Decision = { allowed: true }
const deny = (reason: string): Decision => ({ allowed: false, reason })

const requiredRole: Record<Action, Role> = {
  read: "reader",
  create: "writer",
  update: "writer",
  addMembers: "writer",
  removeMembers: "writer",
  delete: "admin"
}

export const hasRole = (held: Role, needed: Role): boolean => roles.indexOf(held) >= roles.indexOf(needed)

/** True when deciding needs the list's owners: a self-service user acting on an existing list. */
export const needsOwners = (caller: Caller, action: Action): boolean =>
  caller.role === undefined && caller.selfService === true && action !== "create" && action !== "delete"

const includesCaller = (caller: Caller, addresses: ReadonlyArray<string>): boolean => {
  const mine = new Set((caller.addresses ?? []).map(normalizeEmail))
  return addresses.some((address) => mine.has(normalizeEmail(address)))
}

/**
 * The authorization policy.
 * - Roles: `reader` reads, `writer` also creates, updates and changes members, `admin` also deletes.
 * - Owner self-service (delegated user tokens without a role): the user reads and changes only the
 *   lists they own, including their members; may create a list only with themselves among its
 *   owners; may not remove themselves from the owners of a list; may never delete.
 */
export const authorize = (caller: Caller, action: Action, context: AccessContext = {}): Decision => {
  if (caller.role !== undefined) {
    const needed = requiredRole[action]
    return hasRole(caller.role, needed) ? allow : deny(`The '${action}' operation requires the ${needed} role.`)
  }
  if (caller.kind !== "user" || caller.selfService !== true || (caller.addresses ?? []).length === 0) {
    return deny("The caller holds no role of this API.")
  }
  if (action === "delete") return deny("Owners may not delete distribution lists; ask an administrator.")
  const { owners, requestedOwners } = context
  if (action === "create") {
    return requestedOwners !== undefined && includesCaller(caller, requestedOwners)
      ? allow
      : deny("You may only create distribution lists that you own.")
  }
  if (owners === undefined || !includesCaller(caller, owners)) {
    return deny("You may only access distribution lists that you own.")
  }
  if (requestedOwners !== undefined && !includesCaller(caller, requestedOwners)) {
    return deny("You may not remove yourself from the owners of a distribution list.")
  }
  return allow
}
