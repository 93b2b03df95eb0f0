import type { Group, MemberRestriction } from "../tenant/Objects.ts"
import { recipientId, smtpOf } from "../tenant/Objects.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { isExchangeError, resolveGroup } from "./Identity.ts"
import type { Invocation, MultiValue } from "./Invocation.ts"
import { checkManager, checkNameFree, checkProxyFree, ownerRecipient } from "./Ownership.ts"
import * as V from "./Validation.ts"

export interface SetDistributionGroup {
  readonly identity: string
  readonly name?: string | undefined
  readonly alias?: string | undefined
  readonly displayName?: string | undefined
  readonly primarySmtpAddress?: string | undefined
  readonly emailAddresses?: MultiValue | undefined
  readonly managedBy?: MultiValue | undefined
  readonly requireSenderAuthenticationEnabled?: boolean | undefined
  readonly memberJoinRestriction?: MemberRestriction | undefined
  readonly memberDepartRestriction?: MemberRestriction | undefined
  readonly hiddenFromAddressListsEnabled?: boolean | undefined
  readonly bypassSecurityGroupManagerCheck?: boolean | undefined
  readonly extra?: ReadonlyMap<string, unknown> | undefined
}

/** Spec §3.1: a Set-* that changes nothing succeeds with this warning. */
export const noChangeWarning = (identity: string) =>
  `The command completed successfully but no settings of '${identity}' have been modified.`

const tagged = (proxy: string): string => (/^[a-z0-9]+:/i.test(proxy) ? proxy : `smtp:${proxy}`)

/** The new proxy list, or an error; the primary is the one `SMTP:` entry. */
const nextAddresses = (invocation: Invocation, group: Group, input: SetDistributionGroup): Array<string> | ExchangeError => {
  let list = [...group.emailAddresses]
  const setPrimary = (address: string) => {
    list = list.filter((p) => smtpOf(p)?.toLowerCase() !== address.toLowerCase())
      .map((p) => (p.startsWith("SMTP:") ? `smtp:${p.slice(5)}` : p))
    list.unshift(`SMTP:${address}`)
  }
  const change = input.emailAddresses
  if (change?._tag === "Replace") {
    list = change.values.map(tagged)
    const primaries = list.filter((p) => p.startsWith("SMTP:"))
    if (primaries.length > 1) return Errors.invalidValue("Only one primary SMTP address can be specified.")
    if (primaries.length === 0) {
      const keep = list.find((p) => smtpOf(p)?.toLowerCase() === group.primarySmtpAddress.toLowerCase()) ?? list.find((p) => smtpOf(p) !== undefined)
      if (keep === undefined) return Errors.invalidValue("The EmailAddresses value must contain a primary SMTP address.")
      setPrimary(smtpOf(keep)!)
    }
  } else if (change?._tag === "Delta") {
    for (const removed of change.remove.map(tagged)) {
      if (smtpOf(removed)?.toLowerCase() === group.primarySmtpAddress.toLowerCase()) {
        return Errors.invalidValue(`The primary SMTP address "${group.primarySmtpAddress}" can't be removed.`)
      }
      list = list.filter((p) => p.toLowerCase() !== removed.toLowerCase())
    }
    for (const added of change.add.map(tagged)) {
      if (added.startsWith("SMTP:")) setPrimary(added.slice(5))
      else if (!list.some((p) => p.toLowerCase() === added.toLowerCase())) list.push(added)
    }
  }
  if (input.primarySmtpAddress !== undefined) setPrimary(input.primarySmtpAddress)
  for (const proxy of list) {
    const smtp = smtpOf(proxy)
    if (smtp === undefined) continue
    const invalid = V.checkSmtpAddress(invocation, smtp) ?? checkProxyFree(invocation.state, smtp, group)
    if (invalid) return invalid
  }
  return list
}

const nextOwners = (invocation: Invocation, group: Group, change: MultiValue): Array<string> | ExchangeError => {
  const resolve = (identities: ReadonlyArray<string>): Array<string> | ExchangeError => {
    const ids: Array<string> = []
    for (const identity of identities) {
      const owner = ownerRecipient(invocation, identity)
      if (isExchangeError(owner)) return owner
      ids.push(recipientId(owner))
    }
    return ids
  }
  if (change._tag === "Replace") {
    const ids = resolve(change.values)
    return isExchangeError(ids) ? ids : [...new Set(ids)]
  }
  const added = resolve(change.add)
  if (isExchangeError(added)) return added
  const removed = resolve(change.remove)
  if (isExchangeError(removed)) return removed
  // UNVERIFIED: removing a non-owner is silently ignored; a group may end with no owner.
  return [...new Set([...group.managedBy, ...added])].filter((id) => !removed.includes(id))
}

/** Set-DistributionGroup: returns the warnings (spec §3.1: none, or the no-change warning). */
export const setDistributionGroup = (invocation: Invocation, input: SetDistributionGroup): ReadonlyArray<string> | ExchangeError => {
  const { state, now } = invocation
  const group = resolveGroup(state, input.identity, now)
  if (isExchangeError(group)) return group
  const denied = checkManager(invocation, group, input.bypassSecurityGroupManagerCheck)
  if (denied) return denied
  if (input.emailAddresses !== undefined && input.primarySmtpAddress !== undefined) {
    // UNVERIFIED text; docs (Set-DistributionGroup -EmailAddresses): the two can't be used together.
    return Errors.invalidValue("The EmailAddresses and PrimarySmtpAddress parameters can't be used together.")
  }
  const invalid = V.firstError(
    input.name === undefined ? undefined : V.checkName(input.name) ?? checkNameFree(state, input.name, group),
    input.alias === undefined ? undefined : V.checkAlias(input.alias),
    input.displayName === undefined ? undefined : V.checkDisplayName(input.displayName)
  )
  if (invalid) return invalid
  const addresses = input.emailAddresses !== undefined || input.primarySmtpAddress !== undefined
    ? nextAddresses(invocation, group, input)
    : undefined
  if (isExchangeError(addresses)) return addresses
  const owners = input.managedBy === undefined ? undefined : nextOwners(invocation, group, input.managedBy)
  if (isExchangeError(owners)) return owners

  const before = snapshot(group)
  const identity = group.name
  if (input.name !== undefined) state.renameGroup(group, input.name)
  if (input.alias !== undefined) state.realiasGroup(group, input.alias)
  if (input.displayName !== undefined) group.displayName = input.displayName
  if (addresses !== undefined) state.setGroupAddresses(group, addresses)
  if (owners !== undefined) group.managedBy = owners
  if (input.requireSenderAuthenticationEnabled !== undefined) group.requireSenderAuthenticationEnabled = input.requireSenderAuthenticationEnabled
  if (input.memberJoinRestriction !== undefined) group.memberJoinRestriction = input.memberJoinRestriction
  if (input.memberDepartRestriction !== undefined) group.memberDepartRestriction = input.memberDepartRestriction
  if (input.hiddenFromAddressListsEnabled !== undefined) group.hiddenFromAddressListsEnabled = input.hiddenFromAddressListsEnabled
  for (const [key, value] of input.extra ?? []) group.extra.set(key, value)
  if (snapshot(group) === before) return [noChangeWarning(identity)]
  group.whenChanged = now
  return []
}

const snapshot = (group: Group): string =>
  JSON.stringify([
    group.name, group.alias, group.displayName, group.emailAddresses, group.managedBy,
    group.requireSenderAuthenticationEnabled, group.memberJoinRestriction, group.memberDepartRestriction,
    group.hiddenFromAddressListsEnabled, [...group.extra]
  ])

export interface RemoveDistributionGroup {
  readonly identity: string
  readonly bypassSecurityGroupManagerCheck?: boolean | undefined
}

/** Remove-DistributionGroup: permanent, there is no recycle bin for DLs (spec §6; peers-and-limits §0.3). */
export const removeDistributionGroup = (invocation: Invocation, input: RemoveDistributionGroup): void | ExchangeError => {
  const group = resolveGroup(invocation.state, input.identity, invocation.now)
  if (isExchangeError(group)) return group
  const denied = checkManager(invocation, group, input.bypassSecurityGroupManagerCheck)
  if (denied) return denied
  invocation.state.deleteGroup(group)
}
