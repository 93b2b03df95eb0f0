import type { Group, Recipient } from "../tenant/Objects.ts"
import { addressKey } from "../tenant/Objects.ts"
import type { TenantState } from "../tenant/TenantState.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { isExchangeError, resolveRecipient } from "./Identity.ts"
import type { Invocation } from "./Invocation.ts"

/**
 * Names are unique among recipients (docs: -Name "the unique name of the group"; a Name is the common
 * name of the object's DN): a group's may be neither another group's nor a user's (a legacy one, or the
 * object id a newer user's Name is). Groups that are not yet visible to reads still hold their name: the
 * directory has them, only replication lags.
 */
export const checkNameFree = (state: TenantState, name: string, self: Group | undefined): ExchangeError | undefined => {
  const holder = state.groupByName(name)
  if (holder !== undefined && holder !== self) return Errors.nameInUse(name)
  return state.userByName(name) !== undefined || state.userById(name) !== undefined ? Errors.nameInUse(name) : undefined
}

/** An SMTP address belongs to one recipient at most (spec §5.2, ProxyAddressExistsException). */
export const checkProxyFree = (state: TenantState, address: string, self: Group | undefined): ExchangeError | undefined => {
  const holder = state.addressHolder(addressKey(address))
  if (holder === undefined || (holder._tag === "Group" && holder.group === self)) return undefined
  return Errors.proxyAddressExists(addressKey(address), holder._tag === "User" ? holder.user.alias : holder.group.name)
}

/** Docs (-ManagedBy): an owner must be a mailbox, mail user or mail-enabled security group. */
export const ownerRecipient = (invocation: Invocation, identity: string): Recipient | ExchangeError => {
  const recipient = resolveRecipient(invocation.state, identity, invocation.now)
  if (isExchangeError(recipient)) return recipient
  return recipient._tag === "Group" && recipient.group.kind !== "MailUniversalSecurityGroup"
    ? Errors.invalidOwner(identity)
    : recipient
}

/**
 * Writes to a group need its owner, or `-BypassSecurityGroupManagerCheck` (docs; spec §6). An app-only
 * caller is never an owner, so it always needs the switch, as every production client sends it.
 */
export const checkManager = (invocation: Invocation, group: Group, bypass: boolean | undefined): ExchangeError | undefined => {
  if (bypass === true) return undefined
  const upn = invocation.caller.upn
  const user = upn === undefined ? undefined : invocation.state.findUserByAddress(upn)
  return user !== undefined && group.managedBy.includes(user.id) ? undefined : Errors.requiresGroupManager()
}
