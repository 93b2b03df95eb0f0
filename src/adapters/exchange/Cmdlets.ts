import type { GroupChanges, NewGroup } from "../../application/ports/GroupStore.ts"
import type { ExchangeCommandError } from "./CommandErrors.ts"

/**
 * Each `GroupStore` operation as the Exchange cmdlet it runs, with its parameters: one definition for
 * every way of running cmdlets (InvokeCommand over HTTP, the sandbox model in process).
 */
export interface Command {
  readonly cmdlet: string
  readonly parameters: Readonly<Record<string, unknown>>
}

/** One cmdlet's outcome: its output objects, or its classified error. */
export type CommandResult =
  | { readonly _tag: "Ok"; readonly value: ReadonlyArray<unknown> }
  | { readonly _tag: "Error"; readonly error: ExchangeCommandError }

// App-only callers are not owners of the groups they manage (spec exchange-admin-rest.md §2.1).
const write = { BypassSecurityGroupManagerCheck: true } as const

export const newGroup = (group: NewGroup): Command => ({
  cmdlet: "New-DistributionGroup",
  parameters: {
    Name: group.name,
    Alias: group.alias,
    DisplayName: group.displayName,
    PrimarySmtpAddress: group.primarySmtpAddress,
    Type: "Distribution",
    ManagedBy: group.managedBy,
    ...(group.members.length > 0 ? { Members: group.members } : {}),
    RequireSenderAuthenticationEnabled: group.requireSenderAuthenticationEnabled
  }
})

export const getGroup = (identity: string): Command => ({
  cmdlet: "Get-DistributionGroup",
  parameters: { Identity: identity }
})

/** One recipient by identity (a Name, an address, an object id). */
export const getRecipient = (identity: string): Command => ({
  cmdlet: "Get-Recipient",
  parameters: { Identity: identity }
})

export const listMembers = (identity: string): Command => ({
  cmdlet: "Get-DistributionGroupMember",
  parameters: { Identity: identity, ResultSize: "Unlimited" }
})

/** `Set-DistributionGroup` for the changes, or `undefined` when there is nothing to change. */
export const setGroup = (identity: string, changes: GroupChanges): Command | undefined => {
  const add = changes.managedBy?.add ?? []
  const remove = changes.managedBy?.remove ?? []
  const parameters: Record<string, unknown> = {
    ...(changes.name === undefined ? {} : { Name: changes.name }),
    ...(changes.alias === undefined ? {} : { Alias: changes.alias }),
    ...(changes.displayName === undefined ? {} : { DisplayName: changes.displayName }),
    ...(changes.primarySmtpAddress === undefined ? {} : { PrimarySmtpAddress: changes.primarySmtpAddress }),
    ...(changes.requireSenderAuthenticationEnabled === undefined
      ? {}
      : { RequireSenderAuthenticationEnabled: changes.requireSenderAuthenticationEnabled }),
    // spec §2.1: a delta needs the GenericHashTable odata type to bind.
    ...(add.length + remove.length === 0 ? {} : {
      ManagedBy: {
        "@odata.type": "#Exchange.GenericHashTable",
        ...(add.length > 0 ? { Add: add } : {}),
        ...(remove.length > 0 ? { Remove: remove } : {})
      }
    })
  }
  if (Object.keys(parameters).length === 0) return undefined
  return { cmdlet: "Set-DistributionGroup", parameters: { Identity: identity, ...parameters, ...write } }
}

export const removeGroup = (identity: string): Command => ({
  cmdlet: "Remove-DistributionGroup",
  parameters: { Identity: identity, ...write, Confirm: false }
})

export const replaceMembers = (identity: string, addresses: ReadonlyArray<string>): Command => ({
  cmdlet: "Update-DistributionGroupMember",
  parameters: { Identity: identity, Members: addresses, ...write, Confirm: false }
})

/** A one-member change, and the error kind that means "nothing to do" for it. */
export interface MemberChange {
  readonly cmdlet: "Add-DistributionGroupMember" | "Remove-DistributionGroupMember"
  readonly unchanged: "AlreadyMember" | "NotMember"
  readonly command: (identity: string, member: string) => Command
}

export const addMember: MemberChange = {
  cmdlet: "Add-DistributionGroupMember",
  unchanged: "AlreadyMember",
  command: (identity, member) => ({
    cmdlet: "Add-DistributionGroupMember",
    parameters: { Identity: identity, Member: member, ...write }
  })
}

export const removeMember: MemberChange = {
  cmdlet: "Remove-DistributionGroupMember",
  unchanged: "NotMember",
  command: (identity, member) => ({
    cmdlet: "Remove-DistributionGroupMember",
    parameters: { Identity: identity, Member: member, ...write, Confirm: false }
  })
}
