import type { Group, GroupKind, MemberRestriction, Recipient } from "../tenant/Objects.ts"
import { recipientId } from "../tenant/Objects.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { isExchangeError, resolveGroup, resolveRecipient } from "./Identity.ts"
import { type Invocation, MAX_MEMBERS_PER_CALL } from "./Invocation.ts"
import { checkProxyFree, checkNameFree, ownerRecipient } from "./Ownership.ts"
import * as V from "./Validation.ts"

/** New-DistributionGroup's parameters as the cmdlet binds them (spec §6, New-DistributionGroup.md). */
export interface NewDistributionGroup {
  readonly name: string
  readonly alias?: string | undefined
  readonly displayName?: string | undefined
  readonly primarySmtpAddress?: string | undefined
  readonly type?: "Distribution" | "Security" | undefined
  readonly managedBy?: ReadonlyArray<string> | undefined
  readonly members?: ReadonlyArray<string> | undefined
  readonly copyOwnerToMember?: boolean | undefined
  readonly memberJoinRestriction?: MemberRestriction | undefined
  readonly memberDepartRestriction?: MemberRestriction | undefined
  readonly requireSenderAuthenticationEnabled?: boolean | undefined
  readonly extra?: ReadonlyMap<string, unknown> | undefined
}

/** Resolves every identity, or fails with the first that does not resolve (nothing is changed then). */
export const resolveAll = (
  invocation: Invocation,
  identities: ReadonlyArray<string>
): ReadonlyArray<Recipient> | ExchangeError => {
  const resolved: Array<Recipient> = []
  for (const identity of identities) {
    const recipient = resolveRecipient(invocation.state, identity, invocation.now)
    if (isExchangeError(recipient)) return recipient
    resolved.push(recipient)
  }
  return resolved
}

export const newDistributionGroup = (invocation: Invocation, input: NewDistributionGroup): Group | ExchangeError => {
  const { state, now } = invocation
  const members = input.members ?? []
  if (members.length > MAX_MEMBERS_PER_CALL) return Errors.tooManyValues("Members", members.length, MAX_MEMBERS_PER_CALL)
  const kind: GroupKind = input.type === "Security" ? "MailUniversalSecurityGroup" : "MailUniversalDistributionGroup"
  const alias = input.alias ?? V.aliasFromName(input.name)
  const displayName = input.displayName ?? input.name
  const primary = input.primarySmtpAddress ?? `${V.addressLocalPart(alias)}@${state.domain}`
  const invalid = V.firstError(
    V.checkName(input.name),
    V.checkDisplayName(displayName),
    V.checkAlias(alias),
    V.checkSmtpAddress(invocation, primary),
    checkNameFree(state, input.name, undefined),
    checkProxyFree(state, primary, undefined)
  )
  if (invalid) return invalid

  // Docs (-ManagedBy): "If you don't use this parameter ..., the user account that created the group is
  // the owner." UNVERIFIED for app-only callers, which are no recipient: the group then has no owner.
  const ownerIdentities = input.managedBy ?? (invocation.caller.upn ? [invocation.caller.upn] : [])
  const owners: Array<Recipient> = []
  for (const identity of ownerIdentities) {
    const owner = ownerRecipient(invocation, identity)
    if (isExchangeError(owner)) return owner
    owners.push(owner)
  }
  const resolvedMembers = resolveAll(invocation, members)
  if (isExchangeError(resolvedMembers)) return resolvedMembers

  // EXO's default address policy also stamps `alias@<tenant>.onmicrosoft.com` (skipped if taken).
  const secondary = `${V.addressLocalPart(alias)}@${invocation.organization}`.toLowerCase()
  const emailAddresses = [`SMTP:${primary}`]
  if (secondary !== primary.toLowerCase() && state.addressHolder(secondary) === undefined) {
    emailAddresses.push(`smtp:${secondary}`)
  }
  const memberIds = new Set(resolvedMembers.map(recipientId))
  // Docs (-CopyOwnerToMember): owners are not members unless this switch is used.
  if (input.copyOwnerToMember === true) for (const owner of owners) memberIds.add(recipientId(owner))
  const group: Group = {
    guid: invocation.newGuid(),
    externalDirectoryObjectId: invocation.newGuid(),
    kind,
    name: input.name,
    alias,
    displayName,
    primarySmtpAddress: primary,
    emailAddresses,
    managedBy: [...new Set(owners.map(recipientId))],
    members: memberIds,
    // Docs: RequireSenderAuthenticationEnabled defaults to $true; join Closed; depart Open for DLs, Closed for security.
    requireSenderAuthenticationEnabled: input.requireSenderAuthenticationEnabled ?? true,
    memberJoinRestriction: input.memberJoinRestriction ?? "Closed",
    memberDepartRestriction: input.memberDepartRestriction ?? (kind === "MailUniversalSecurityGroup" ? "Closed" : "Open"),
    hiddenFromAddressListsEnabled: false,
    extra: new Map(input.extra ?? []),
    whenCreated: now,
    whenChanged: now,
    visibleAt: now + invocation.replicationDelayMillis
  }
  state.insertGroup(group)
  return group
}

export interface GetDistributionGroup {
  readonly identity?: string | undefined
  readonly anr?: string | undefined
  readonly managedBy?: string | undefined
  readonly recipientTypeDetails?: ReadonlyArray<string> | undefined
}

/** Matching visible groups, in creation order (`-ResultSize`, `-Filter` and paging are applied by the caller). */
export const getDistributionGroup = (
  invocation: Invocation,
  input: GetDistributionGroup
): Iterable<Group> | ExchangeError => {
  const { state, now } = invocation
  if (input.identity !== undefined) {
    const group = resolveGroup(state, input.identity, now)
    return isExchangeError(group) ? group : [group]
  }
  let ownerId: string | undefined
  if (input.managedBy !== undefined) {
    const owner = resolveRecipient(state, input.managedBy, now)
    if (isExchangeError(owner)) return owner
    ownerId = recipientId(owner)
  }
  const anr = input.anr?.toLowerCase()
  const types = input.recipientTypeDetails?.map((t) => t.toLowerCase())
  return [...state.allGroups()].filter((group) =>
    now >= group.visibleAt &&
    (types === undefined || types.includes(group.kind.toLowerCase())) &&
    (ownerId === undefined || group.managedBy.includes(ownerId)) &&
    (anr === undefined ||
      [group.name, group.alias, group.displayName, group.primarySmtpAddress].some((v) => v.toLowerCase().startsWith(anr)))
  )
}
