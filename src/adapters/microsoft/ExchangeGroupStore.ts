import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import {
  type GroupChanges,
  GroupNotFound,
  GroupStore,
  type GroupStoreError,
  type MemberOutcome,
  type NewGroup,
  type Target
} from "../../application/ports/GroupStore.ts"
import type { DistributionList } from "../../domain/DistributionList.ts"
import { Cloud } from "./Cloud.ts"
import * as ExchangeClient from "./ExchangeClient.ts"
import { decodeFirstGroup, toDistributionList, toPortError } from "./ExchangeMapping.ts"
import { Tokens } from "./Tokens.ts"
import { chunk } from "./Wire.ts"

/** The addresses on one page of `Get-DistributionGroupMember` (checked by hand: it runs once per member). */
const memberAddresses = (values: ReadonlyArray<unknown>): ReadonlyArray<string> => {
  const addresses: Array<string> = []
  for (const value of values) {
    const address = typeof value === "object" && value !== null
      ? (value as { readonly PrimarySmtpAddress?: unknown }).PrimarySmtpAddress
      : undefined
    if (typeof address === "string" && address !== "") addresses.push(address)
  }
  return addresses
}

/** How many `$batch` requests (of 10 cmdlets each) one bulk member change keeps in flight. */
export const BATCH_CONCURRENCY = 6

export const make = Effect.gen(function*() {
  const cloud = yield* Cloud
  const exchange = ExchangeClient.make(yield* HttpClient.HttpClient, yield* Tokens, cloud)
  const write = { BypassSecurityGroupManagerCheck: true }

  const run = (command: ExchangeClient.Command, target: Target, options: { readonly paged?: boolean } = {}) =>
    exchange.invoke(command, target.anchor, options).pipe(
      Effect.catchTag("ExchangeCommandError", (error) => Effect.fail(toPortError(error, { identity: target.identity })))
    )

  const get = Effect.fn("ExchangeGroupStore.get")(function*(target: Target) {
    if (target.identity.trim() === "") return yield* new GroupNotFound({ identity: target.identity })
    const values = yield* run({ cmdlet: "Get-DistributionGroup", parameters: { Identity: target.identity } }, target)
    if (values.length === 0) return yield* new GroupNotFound({ identity: target.identity })
    return toDistributionList(yield* decodeFirstGroup("Get-DistributionGroup", values))
  })

  const create = Effect.fn("ExchangeGroupStore.create")(function*(group: NewGroup) {
    const target = { identity: group.primarySmtpAddress, anchor: group.anchor }
    const values = yield* run({
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
    }, target)
    if (values.length > 0) return toDistributionList(yield* decodeFirstGroup("New-DistributionGroup", values))
    // spec §3.1: New-DistributionGroup returns the group. Should it not, read it back; a group not yet
    // visible is described from the request (owner ids unknown until it can be read).
    return yield* get(target).pipe(
      Effect.catchTag("GroupNotFound", () =>
        Effect.succeed<DistributionList>({
          identity: group.primarySmtpAddress,
          name: group.name,
          alias: group.alias,
          displayName: group.displayName,
          primarySmtpAddress: group.primarySmtpAddress,
          ownerIds: [],
          requireSenderAuthenticationEnabled: group.requireSenderAuthenticationEnabled
        }))
    )
  })

  // Only the address is read, and each page is reduced to its addresses as it arrives: a 50,000-member
  // list is then 50,000 short strings, not 50,000 full recipient objects (spec §1.1 `$select`).
  const listMembers = Effect.fn("ExchangeGroupStore.listMembers")(function*(target: Target) {
    return yield* exchange.invokePages({
      cmdlet: "Get-DistributionGroupMember",
      parameters: { Identity: target.identity, ResultSize: "Unlimited" }
    }, target.anchor, { paged: true, select: ["PrimarySmtpAddress"], onPage: memberAddresses }).pipe(
      Effect.catchTag("ExchangeCommandError", (error) => Effect.fail(toPortError(error, { identity: target.identity })))
    )
  })

  const update = Effect.fn("ExchangeGroupStore.update")(function*(target: Target, changes: GroupChanges) {
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
    if (Object.keys(parameters).length === 0) return
    yield* run({ cmdlet: "Set-DistributionGroup", parameters: { Identity: target.identity, ...parameters, ...write } }, target)
  })

  const remove = Effect.fn("ExchangeGroupStore.remove")(function*(target: Target) {
    yield* run({
      cmdlet: "Remove-DistributionGroup",
      parameters: { Identity: target.identity, ...write, Confirm: false }
    }, target)
  })

  const replaceMembers = Effect.fn("ExchangeGroupStore.replaceMembers")(function*(
    target: Target,
    addresses: ReadonlyArray<string>
  ) {
    yield* run({
      cmdlet: "Update-DistributionGroupMember",
      parameters: { Identity: target.identity, Members: addresses, ...write, Confirm: false }
    }, target)
  })

  const bulk = (span: string, cmdlet: string, unchanged: "AlreadyMember" | "NotMember") =>
    Effect.fn(span)(function*(target: Target, addresses: ReadonlyArray<string>) {
      const parameters = (member: string) => ({
        Identity: target.identity,
        Member: member,
        ...write,
        ...(cmdlet.startsWith("Remove") ? { Confirm: false } : {})
      })
      const outcomes = (yield* Effect.forEach(
        chunk(addresses, ExchangeClient.MAX_BATCH_COMMANDS),
        (part) => memberBatch(cmdlet, unchanged, target, part, parameters),
        { concurrency: BATCH_CONCURRENCY }
      )).flat()
      // Every member answered "no such group": the group is unusable, not the members.
      if (outcomes.length > 0 && outcomes.every((o) => o._tag === "Rejected" && o.error._tag === "GroupNotFound")) {
        return yield* new GroupNotFound({ identity: target.identity })
      }
      return outcomes as ReadonlyArray<MemberOutcome>
    })

  const memberBatch = (
    cmdlet: string,
    unchanged: "AlreadyMember" | "NotMember",
    target: Target,
    part: ReadonlyArray<string>,
    parameters: (member: string) => Record<string, unknown>
  ): Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError> =>
    exchange.batch(part.map((member) => ({ cmdlet, parameters: parameters(member) })), target.anchor).pipe(
      Effect.map((results) =>
        results.map((result, i): MemberOutcome => {
          const address = part[i]!
          if (result._tag === "Ok") return { address, _tag: "Applied" }
          if (result.error.kind === unchanged) return { address, _tag: "Unchanged" }
          return { address, _tag: "Rejected", error: toPortError(result.error, { identity: target.identity, member: address }) }
        })
      ),
      Effect.catchTag("ExchangeCommandError", (error) => {
        const mapped = toPortError(error, { identity: target.identity })
        // A throttled or unavailable batch rejects just its members; the application retries them.
        return mapped._tag === "UpstreamError" && mapped.reason._tag === "Transient"
          ? Effect.succeed(part.map((address): MemberOutcome => ({ address, _tag: "Rejected", error: mapped })))
          : Effect.fail(mapped)
      })
    )

  return GroupStore.of({
    create,
    get,
    listMembers,
    update,
    remove,
    addMembers: bulk("ExchangeGroupStore.addMembers", "Add-DistributionGroupMember", "AlreadyMember"),
    removeMembers: bulk("ExchangeGroupStore.removeMembers", "Remove-DistributionGroupMember", "NotMember"),
    replaceMembers
  })
})

export const layer: Layer.Layer<GroupStore, never, HttpClient.HttpClient | Tokens | Cloud> = Layer.effect(
  GroupStore,
  make
)
