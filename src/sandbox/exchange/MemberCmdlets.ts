import type { Recipient } from "../tenant/Objects.ts"
import { recipientId } from "../tenant/Objects.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { resolveAll } from "./GroupCmdlets.ts"
import { isExchangeError, resolveGroup, resolveRecipient } from "./Identity.ts"
import { type Invocation, MAX_MEMBERS_PER_CALL } from "./Invocation.ts"
import { checkManager } from "./Ownership.ts"

export interface MemberChange {
  readonly identity: string
  readonly member: string
  readonly bypassSecurityGroupManagerCheck?: boolean | undefined
}

/** The group (which the caller must be allowed to manage) and the recipient of a single member change. */
const resolveChange = (invocation: Invocation, input: MemberChange) => {
  const group = resolveGroup(invocation.state, input.identity, invocation.now)
  if (isExchangeError(group)) return group
  const denied = checkManager(invocation, group, input.bypassSecurityGroupManagerCheck)
  if (denied) return denied
  const member = resolveRecipient(invocation.state, input.member, invocation.now)
  return isExchangeError(member) ? member : { group, member }
}

/** Add-DistributionGroupMember: one recipient per call (spec §6); already a member → 400 MemberAlreadyExists. */
export const addDistributionGroupMember = (invocation: Invocation, input: MemberChange): void | ExchangeError => {
  const target = resolveChange(invocation, input)
  if (isExchangeError(target)) return target
  const { group, member } = target
  const id = recipientId(member)
  if (member._tag === "Group" && member.group === group) return Errors.memberOfItself(input.identity)
  if (group.members.has(id)) return Errors.memberAlreadyExists(input.member, input.identity)
  group.members.add(id)
  group.whenChanged = invocation.now
}

/** Remove-DistributionGroupMember: not a member → 400 MemberNotFound; unknown recipient → Ex94914C. */
export const removeDistributionGroupMember = (invocation: Invocation, input: MemberChange): void | ExchangeError => {
  const target = resolveChange(invocation, input)
  if (isExchangeError(target)) return target
  const { group, member } = target
  if (!group.members.delete(recipientId(member))) return Errors.memberNotFound(input.member, input.identity)
  group.whenChanged = invocation.now
}

export interface UpdateMembers {
  readonly identity: string
  readonly members: ReadonlyArray<string>
  readonly bypassSecurityGroupManagerCheck?: boolean | undefined
}

/** Update-DistributionGroupMember: replaces the whole list, at most 10,000 (spec §6); all-or-nothing. */
export const updateDistributionGroupMember = (invocation: Invocation, input: UpdateMembers): void | ExchangeError => {
  if (input.members.length > MAX_MEMBERS_PER_CALL) {
    return Errors.tooManyValues("Members", input.members.length, MAX_MEMBERS_PER_CALL)
  }
  const group = resolveGroup(invocation.state, input.identity, invocation.now)
  if (isExchangeError(group)) return group
  const denied = checkManager(invocation, group, input.bypassSecurityGroupManagerCheck)
  if (denied) return denied
  const members = resolveAll(invocation, input.members)
  if (isExchangeError(members)) return members
  if (members.some((m) => m._tag === "Group" && m.group === group)) return Errors.memberOfItself(input.identity)
  group.members.clear()
  for (const member of members) group.members.add(recipientId(member))
  group.whenChanged = invocation.now
}

/** Get-DistributionGroupMember: the group's members in the order they were added. */
export const getDistributionGroupMember = (
  invocation: Invocation,
  identity: string
): Iterable<Recipient> | ExchangeError => {
  const group = resolveGroup(invocation.state, identity, invocation.now)
  if (isExchangeError(group)) return group
  const state = invocation.state
  return (function*() {
    for (const id of group.members) {
      const member = state.directoryObject(id)
      if (member !== undefined) yield member
    }
  })()
}
