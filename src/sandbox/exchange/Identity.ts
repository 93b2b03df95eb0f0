import { type Group, isGuid, isVisible, type Recipient, type User } from "../tenant/Objects.ts"
import type { TenantState } from "../tenant/TenantState.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"

/**
 * How `-Identity`, `-Member` and `-ManagedBy` values resolve (cmdlet docs: "any value that uniquely
 * identifies": Name, Alias, DN, email address, GUID; EXO also takes ExternalDirectoryObjectId).
 *
 * Replication delay (spec §7: a read by GUID 6 s after a create returned 404; New-then-Set without a
 * stable anchor returned NotFound, S20): a group that is not yet visible does not resolve for ANY
 * cmdlet, whatever the anchor. It still counts for name and proxy-address uniqueness (see GroupCmdlets).
 */

/** `CN=<name>,OU=...` → `<name>` (commas escaped as `\,`). */
const commonName = (dn: string): string | undefined => {
  const match = /^CN=((?:\\.|[^,])*),/i.exec(dn)
  return match ? match[1]!.replace(/\\(.)/g, "$1") : undefined
}

const candidatesForGroup = (state: TenantState, identity: string): ReadonlyArray<Group> => {
  if (isGuid(identity)) {
    const group = state.groupByGuid(identity) ?? state.groupByExternalId(identity)
    return group ? [group] : []
  }
  const cn = commonName(identity)
  if (cn !== undefined) {
    const group = state.groupByName(cn)
    return group ? [group] : []
  }
  if (identity.includes("@")) {
    const group = state.groupByAddress(identity)
    return group ? [group] : []
  }
  const byName = state.groupByName(identity)
  const matches = new Set<Group>(byName ? [byName] : [])
  for (const group of state.groupsByAlias(identity)) matches.add(group)
  return [...matches]
}

/** Resolves a group `-Identity`: 404 Ex6F9304 when absent or not yet visible. */
export const resolveGroup = (state: TenantState, identity: string, now: number): Group | ExchangeError => {
  const visible = candidatesForGroup(state, identity.trim()).filter((group) => isVisible(group, now))
  if (visible.length === 0) return Errors.groupNotFound(identity)
  if (visible.length > 1) return Errors.groupAmbiguous(identity)
  return visible[0]!
}

/** A user is an Exchange recipient only with a mailbox, and only once Exchange has seen it (§7). */
const isRecipientUser = (user: User, now: number): boolean => user.mail !== null && now >= user.exchangeVisibleAt

/** Resolves a `-Member` / `-ManagedBy` recipient: mailbox users and visible groups, else Ex94914C. */
export const resolveRecipient = (state: TenantState, identity: string, now: number): Recipient | ExchangeError => {
  const value = identity.trim()
  const found: Array<Recipient> = []
  const addUser = (user: User | undefined) => {
    if (user !== undefined && isRecipientUser(user, now)) found.push({ _tag: "User", user })
  }
  if (isGuid(value)) {
    addUser(state.userById(value))
  } else if (value.includes("@")) {
    addUser(state.findUserByAddress(value))
  } else {
    // a DN names its user by Exchange Name (the object id, or a legacy name); a plain value may be either
    const cn = commonName(value)
    const users = new Set(
      cn !== undefined
        ? [isGuid(cn) ? state.userById(cn) : state.userByName(cn)]
        : [state.userByName(value), ...state.usersByAlias(value)]
    )
    for (const user of users) addUser(user)
  }
  for (const group of candidatesForGroup(state, value)) {
    if (isVisible(group, now)) found.push({ _tag: "Group", group })
  }
  if (found.length === 0) return Errors.recipientNotFound(identity)
  if (found.length > 1) return Errors.recipientAmbiguous(identity)
  return found[0]!
}

export const isExchangeError = (value: unknown): value is ExchangeError =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "ExchangeError"
