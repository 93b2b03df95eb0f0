import type { Group, Recipient } from "../tenant/Objects.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { parseFilter } from "./Filter.ts"
import { getDistributionGroup, newDistributionGroup } from "./GroupCmdlets.ts"
import { isExchangeError } from "./Identity.ts"
import { type Invocation, MEMBER_RESTRICTIONS, type ResultSize } from "./Invocation.ts"
import {
  addDistributionGroupMember,
  getDistributionGroupMember,
  removeDistributionGroupMember,
  updateDistributionGroupMember
} from "./MemberCmdlets.ts"
import { distinguishedName, groupObject, type Json, memberObject, recipientObject } from "./Output.ts"
import * as P from "./ParameterSets.ts"
import { Binder } from "./Parameters.ts"
import { getRecipient } from "./RecipientCmdlets.ts"
import { removeDistributionGroup, setDistributionGroup } from "./SetGroupCmdlets.ts"

/** What one cmdlet run produced, before paging (spec §3.1 envelope, §3.3 paging). */
export interface CmdletResult {
  readonly _tag: "CmdletResult"
  readonly objects: Iterable<Json>
  readonly resultSize: ResultSize
  readonly warnings: ReadonlyArray<string>
  /** `Confirm: true` is a validation call: nothing runs, the message comes back (spec §2.1). */
  readonly confirmationMessage?: string
}

/** Not one of the cmdlets this tenant serves: Exchange answers 403 with a non-JSON body (spec §5.2). */
export interface UnknownCmdlet {
  readonly _tag: "UnknownCmdlet"
  readonly name: string
}

export type CmdletOutcome = CmdletResult | ExchangeError | UnknownCmdlet

const done = (warnings: ReadonlyArray<string> = [], objects: Iterable<Json> = []): CmdletResult =>
  ({ _tag: "CmdletResult", objects, resultSize: "Unlimited", warnings })

/**
 * `-Filter` runs on the output object plus the filterable properties the output does not show: a group's
 * `Members` as member DNs, so Microsoft's documented `Get-Recipient -Filter "Members -eq '<DN>'"
 * -RecipientTypeDetails MailUniversalDistributionGroup` finds a user's DLs (spec §6, Get-Recipient row).
 */
const filtered = <A extends Recipient | Group>(
  invocation: Invocation,
  items: Iterable<A>,
  render: (item: A) => Json,
  filter: string | undefined
): Iterable<Json> | ExchangeError => {
  if (filter === undefined) return mapIterable(items, render)
  const predicate = parseFilter(filter)
  if (isExchangeError(predicate)) return predicate
  const groupOf = (item: A): Group | undefined =>
    "_tag" in item ? (item._tag === "Group" ? item.group : undefined) : item
  return (function*() {
    for (const item of items) {
      const object = render(item)
      const group = groupOf(item)
      const view = group === undefined ? object : {
        ...object,
        // A getter: member DNs are only built when the filter asks for them.
        get Members() {
          return [...group.members].flatMap((id) => {
            const member = invocation.state.directoryObject(id)
            if (member === undefined) return []
            const name = member._tag === "User" ? member.user.exchangeName : member.group.name
            return [distinguishedName(name, invocation.organization)]
          })
        }
      }
      if (predicate(view)) yield object
    }
  })()
}

function* mapIterable<A, B>(items: Iterable<A>, f: (a: A) => B): Iterable<B> {
  for (const item of items) yield f(item)
}

/** `Confirm:$true` or `WhatIf` stop a write before it runs. */
const confirmation = (b: Binder, action: string, identity: string | undefined): CmdletResult | undefined => {
  if (b.boolean("WhatIf") === true) return done([`What if: ${action} "${identity ?? ""}".`])
  if (b.boolean("Confirm") !== true) return undefined
  return { ...done(), confirmationMessage: `Are you sure you want to perform this action?\n${action} "${identity ?? ""}".` }
}

type Run = (invocation: Invocation, b: Binder) => CmdletResult | ExchangeError

const CMDLETS: Readonly<Record<string, { readonly name: string; readonly parameters: ReadonlyArray<string>; readonly run: Run }>> = {
  "new-distributiongroup": {
    name: "New-DistributionGroup",
    parameters: P.NEW_DISTRIBUTION_GROUP,
    run: (invocation, b) => {
      const input = {
        name: b.required("Name") ?? "",
        alias: b.string("Alias"),
        displayName: b.string("DisplayName"),
        primarySmtpAddress: b.string("PrimarySmtpAddress"),
        type: b.enumeration("Type", "Microsoft.Exchange.Management.RecipientTasks.GroupType", ["Distribution", "Security"] as const),
        managedBy: b.strings("ManagedBy"),
        members: b.strings("Members"),
        copyOwnerToMember: b.boolean("CopyOwnerToMember"),
        memberJoinRestriction: b.enumeration("MemberJoinRestriction", "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", MEMBER_RESTRICTIONS),
        memberDepartRestriction: b.enumeration("MemberDepartRestriction", "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", MEMBER_RESTRICTIONS),
        requireSenderAuthenticationEnabled: b.boolean("RequireSenderAuthenticationEnabled"),
        extra: b.rest(P.NEW_MODELLED, P.NEW_DISTRIBUTION_GROUP)
      }
      if (b.error) return b.error
      const stop = confirmation(b, "Creating distribution group", input.name)
      if (stop) return stop
      const group = newDistributionGroup(invocation, input)
      return isExchangeError(group) ? group : done([], [groupObject(group, invocation.organization, invocation.state, { fresh: true })])
    }
  },
  "get-distributiongroup": {
    name: "Get-DistributionGroup",
    parameters: P.GET_DISTRIBUTION_GROUP,
    run: (invocation, b) => {
      const input = {
        identity: b.string("Identity"),
        anr: b.string("Anr"),
        managedBy: b.string("ManagedBy"),
        recipientTypeDetails: b.strings("RecipientTypeDetails")
      }
      const filter = b.string("Filter")
      const resultSize = b.resultSize()
      if (b.error) return b.error
      const groups = getDistributionGroup(invocation, input)
      if (isExchangeError(groups)) return groups
      const objects = filtered(invocation, groups, (g) => groupObject(g, invocation.organization, invocation.state), filter)
      return isExchangeError(objects) ? objects : { ...done([], objects), resultSize }
    }
  },
  "set-distributiongroup": {
    name: "Set-DistributionGroup",
    parameters: P.SET_DISTRIBUTION_GROUP,
    run: (invocation, b) => {
      const input = {
        identity: b.required("Identity") ?? "",
        name: b.string("Name"),
        alias: b.string("Alias"),
        displayName: b.string("DisplayName"),
        primarySmtpAddress: b.string("PrimarySmtpAddress"),
        emailAddresses: b.multiValue("EmailAddresses"),
        managedBy: b.multiValue("ManagedBy"),
        requireSenderAuthenticationEnabled: b.boolean("RequireSenderAuthenticationEnabled"),
        memberJoinRestriction: b.enumeration("MemberJoinRestriction", "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", MEMBER_RESTRICTIONS),
        memberDepartRestriction: b.enumeration("MemberDepartRestriction", "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType", MEMBER_RESTRICTIONS),
        hiddenFromAddressListsEnabled: b.boolean("HiddenFromAddressListsEnabled"),
        bypassSecurityGroupManagerCheck: b.boolean("BypassSecurityGroupManagerCheck"),
        extra: b.rest(P.SET_MODELLED, P.SET_DISTRIBUTION_GROUP)
      }
      if (b.error) return b.error
      const stop = confirmation(b, "Setting distribution group", input.identity)
      if (stop) return stop
      const warnings = setDistributionGroup(invocation, input)
      return isExchangeError(warnings) ? warnings : done(warnings)
    }
  },
  "remove-distributiongroup": {
    name: "Remove-DistributionGroup",
    parameters: P.REMOVE_DISTRIBUTION_GROUP,
    run: (invocation, b) => {
      const input = { identity: b.required("Identity") ?? "", bypassSecurityGroupManagerCheck: b.boolean("BypassSecurityGroupManagerCheck") }
      if (b.error) return b.error
      const stop = confirmation(b, "Removing distribution group", input.identity)
      if (stop) return stop
      const removed = removeDistributionGroup(invocation, input)
      return isExchangeError(removed) ? removed : done()
    }
  },
  "add-distributiongroupmember": memberChange("Add-DistributionGroupMember", "Adding", addDistributionGroupMember),
  "remove-distributiongroupmember": memberChange("Remove-DistributionGroupMember", "Removing", removeDistributionGroupMember),
  "update-distributiongroupmember": {
    name: "Update-DistributionGroupMember",
    parameters: P.UPDATE_MEMBERS,
    run: (invocation, b) => {
      const input = {
        identity: b.required("Identity") ?? "",
        members: b.strings("Members") ?? [],
        bypassSecurityGroupManagerCheck: b.boolean("BypassSecurityGroupManagerCheck")
      }
      if (b.error) return b.error
      const stop = confirmation(b, "Updating members of distribution group", input.identity)
      if (stop) return stop
      const updated = updateDistributionGroupMember(invocation, input)
      return isExchangeError(updated) ? updated : done()
    }
  },
  "get-distributiongroupmember": {
    name: "Get-DistributionGroupMember",
    parameters: P.GET_MEMBERS,
    run: (invocation, b) => {
      const identity = b.required("Identity") ?? ""
      const resultSize = b.resultSize()
      if (b.error) return b.error
      const members = getDistributionGroupMember(invocation, identity)
      return isExchangeError(members) ? members : { ...done([], mapIterable(members, memberObject)), resultSize }
    }
  },
  "get-recipient": {
    name: "Get-Recipient",
    parameters: P.GET_RECIPIENT,
    run: (invocation, b) => {
      const input = {
        identity: b.string("Identity"),
        anr: b.string("Anr"),
        recipientType: b.strings("RecipientType"),
        recipientTypeDetails: b.strings("RecipientTypeDetails")
      }
      const filter = b.string("Filter")
      const resultSize = b.resultSize()
      if (b.error) return b.error
      const recipients = getRecipient(invocation, input)
      if (isExchangeError(recipients)) return recipients
      const objects = filtered(invocation, recipients, (r) => recipientObject(r, invocation.organization), filter)
      return isExchangeError(objects) ? objects : { ...done([], objects), resultSize }
    }
  }
}

function memberChange(
  name: string,
  verb: string,
  change: typeof addDistributionGroupMember
): { readonly name: string; readonly parameters: ReadonlyArray<string>; readonly run: Run } {
  return {
    name,
    parameters: P.MEMBER_CHANGE,
    run: (invocation, b) => {
      const input = {
        identity: b.required("Identity") ?? "",
        member: b.required("Member") ?? "",
        bypassSecurityGroupManagerCheck: b.boolean("BypassSecurityGroupManagerCheck")
      }
      if (b.error) return b.error
      const stop = confirmation(b, `${verb} member "${input.member}" of distribution group`, input.identity)
      if (stop) return stop
      const changed = change(invocation, input)
      return isExchangeError(changed) ? changed : done()
    }
  }
}

/** The canonical spelling of a served cmdlet (names are case-insensitive, spec §2: "get-mailbox" works). */
export const canonicalCmdletName = (name: string): string | undefined => CMDLETS[name.trim().toLowerCase()]?.name

/**
 * Runs one cmdlet from its wire `CmdletName` and `Parameters` (spec §2). Synchronous: call it inside
 * `TenantModel.transact` and consume the lazy `objects` there too.
 */
export const invokeCmdlet = (
  invocation: Invocation,
  cmdletName: string,
  parameters: Readonly<Record<string, unknown>>
): CmdletOutcome => {
  const cmdlet = CMDLETS[cmdletName.trim().toLowerCase()]
  if (cmdlet === undefined) return { _tag: "UnknownCmdlet", name: cmdletName }
  const binder = new Binder(cmdlet.name, parameters, cmdlet.parameters)
  return binder.error ? binder.error : cmdlet.run(invocation, binder)
}

