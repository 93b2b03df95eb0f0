import { isEmail, normalizeEmail } from "./Email.ts"

/** Role-based access: each role includes the ones before it. */
export type Role = "reader" | "writer" | "admin"

export const roles: ReadonlyArray<Role> = ["reader", "writer", "admin"]

export const isRole = (value: string): value is Role => (roles as ReadonlyArray<string>).includes(value)

/** What a caller wants to do; one per REST endpoint. */
export type Action = "read" | "create" | "update" | "delete" | "addMembers" | "removeMembers"

export const isMutation = (action: Action): boolean => action !== "read"

/**
 * Who is calling. `role` grants role-based access; a user without a role may still act as an owner
 * (self-service) when `selfService` is set, identified by `objectId` (the directory object id, token
 * `oid`) and by `addresses` (UPN and other sign-in names).
 */
export interface Caller {
  readonly kind: "apiKey" | "app" | "user"
  /** What audit lines show: the key name, the client id of the app, or the user's UPN. */
  readonly name: string
  readonly role?: Role | undefined
  readonly upn?: string | undefined
  readonly addresses?: ReadonlyArray<string> | undefined
  /** The user's directory object id, lower-case: what list ownership is decided on when it is known. */
  readonly objectId?: string | undefined
  readonly selfService?: boolean | undefined
}

/**
 * Owners as far as they are known: their directory object ids (a list's `ManagedBy`, or requested owners
 * looked up in the directory) and/or their addresses.
 */
export interface OwnerSet {
  readonly ids?: ReadonlyArray<string> | undefined
  readonly addresses?: ReadonlyArray<string> | undefined
}

/** What is known about the distribution list an action touches. */
export interface AccessContext {
  /** Owners of the list the action targets (every action but create): their ids for a caller with an object id. */
  readonly owners?: OwnerSet | undefined
  /**
   * Owners the request would set (a new list's, or an update's new owners): their addresses as sent, and
   * their ids once a decision asked for them to be looked up (`lookUpRequestedOwners`).
   */
  readonly requestedOwners?: OwnerSet | undefined
}

/**
 * `lookUpRequestedOwners`: refused only because the caller is not among the owners the request names, by
 * sign-in name; decide again with their ids looked up (the caller may name themselves by another address).
 */
export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string; readonly lookUpRequestedOwners?: true }

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

const roleGrants = (caller: Caller, action: Action): boolean =>
  caller.role !== undefined && hasRole(caller.role, requiredRole[action])

/**
 * Whether the caller acts as an owner for `action`: a self-service user whose role, if any, does not grant
 * it (a user with a read role and the self-service scope still changes the lists they own).
 */
export const actsAsOwner = (caller: Caller, action: Action): boolean =>
  caller.selfService === true && !roleGrants(caller, action)

/**
 * What deciding needs of the list's owners: none, or (a user acting as an owner on an existing list)
 * their ids when the caller's object id is known, else their addresses.
 */
export const needsOwners = (caller: Caller, action: Action): "ids" | "addresses" | undefined =>
  !actsAsOwner(caller, action) || action === "create" || action === "delete"
    ? undefined
    : caller.objectId === undefined
    ? "addresses"
    : "ids"

const namedByAddress = (caller: Caller, addresses: ReadonlyArray<string>): boolean => {
  const mine = new Set((caller.addresses ?? []).map(normalizeEmail))
  return addresses.some((address) => mine.has(normalizeEmail(address)))
}

const namedById = (caller: Caller, ids: ReadonlyArray<string>): boolean =>
  caller.objectId !== undefined && ids.some((id) => id.toLowerCase() === caller.objectId)

/**
 * A list's owners include the caller: by object id when the caller has one (Microsoft's advice: authorize on
 * `oid`, never on a name a user may share or lose), by sign-in name otherwise.
 */
const ownsList = (caller: Caller, owners: OwnerSet): boolean =>
  caller.objectId === undefined
    ? namedByAddress(caller, owners.addresses ?? [])
    : namedById(caller, owners.ids ?? [])

/**
 * Requested owners include the caller: for a caller with an object id, by the ids they were looked up as
 * (a name in the token may be stale or another's: a renamed user's, or an address that changed hands);
 * otherwise by one of the caller's sign-in names.
 */
const amongRequested = (caller: Caller, requested: OwnerSet): boolean =>
  caller.objectId === undefined
    ? namedByAddress(caller, requested.addresses ?? [])
    : namedById(caller, requested.ids ?? [])

/** At most this many requested owners are looked up to find the caller among them: the directory work of one request. */
export const MAX_OWNER_LOOKUP = 20

const TOO_MANY_OWNERS = `; a self-service request names at most ${MAX_OWNER_LOOKUP} owners, as email addresses`

/**
 * Denied for want of the caller among `requested`: for a caller with an object id whose requested owners
 * were not looked up yet, a lookup is asked for when they are few email addresses (nothing else is sent
 * to the directory); otherwise the denial says how to ask.
 */
const denyRequested = (caller: Caller, requested: OwnerSet | undefined, reason: string): Decision => {
  const addresses = requested?.addresses
  if (caller.objectId === undefined || requested?.ids !== undefined || addresses === undefined) return deny(reason)
  const distinct = new Set(addresses.map(normalizeEmail))
  return distinct.size <= MAX_OWNER_LOOKUP && addresses.every((address) => isEmail(address.trim()))
    ? { allowed: false, reason, lookUpRequestedOwners: true }
    : deny(reason.replace(/\.$/, TOO_MANY_OWNERS + "."))
}

/**
 * The authorization policy.
 * - Roles: `reader` reads, `writer` also creates, updates and changes members, `admin` also deletes.
 * - Owner self-service (delegated user tokens with the self-service scope, for what their role, if any,
 *   does not grant): the user reads and changes only the lists they own, including their members; may
 *   create a list only with themselves among its owners; may not remove themselves from the owners of
 *   a list; may never delete.
 */
export const authorize = (caller: Caller, action: Action, context: AccessContext = {}): Decision => {
  if (roleGrants(caller, action)) return allow
  const identified = caller.objectId !== undefined || (caller.addresses ?? []).length > 0
  if (caller.kind !== "user" || caller.selfService !== true || !identified) {
    return caller.role === undefined
      ? deny("The caller holds no role of this API.")
      : deny(`The '${action}' operation requires the ${requiredRole[action]} role.`)
  }
  if (action === "delete") {
    return caller.role === undefined
      ? deny("Owners may not delete distribution lists; ask an administrator.")
      : deny(`The 'delete' operation requires the ${requiredRole.delete} role.`)
  }
  const { owners, requestedOwners } = context
  if (action === "create") {
    return requestedOwners !== undefined && amongRequested(caller, requestedOwners)
      ? allow
      : denyRequested(caller, requestedOwners, "You may only create distribution lists that you own.")
  }
  if (owners === undefined || !ownsList(caller, owners)) {
    return deny("You may only access distribution lists that you own.")
  }
  if (requestedOwners !== undefined && !amongRequested(caller, requestedOwners)) {
    return denyRequested(caller, requestedOwners, "You may not remove yourself from the owners of a distribution list.")
  }
  return allow
}
