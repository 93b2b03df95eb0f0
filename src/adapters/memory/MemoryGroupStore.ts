import { Effect, Layer } from "effect"
import {
  type GroupChanges,
  GroupNotFound,
  GroupStore,
  type GroupStoreError,
  type MemberOutcome,
  type NewGroup,
  type Target
} from "../../application/ports/GroupStore.ts"
import { Failed, UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { DistributionList } from "../../domain/DistributionList.ts"
import type { Json } from "../../sandbox/exchange/Output.ts"
import { Behaviour } from "../../sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../sandbox/tenant/TenantModel.ts"
import { errorKind, makeInvoker, toPortError } from "./MemoryExchange.ts"

/** The Microsoft adapter sends member changes 10 per `$batch` (spec §1.1): one upstream call each. */
const BATCH = 10

const write = { BypassSecurityGroupManagerCheck: true }

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

/** A Get-/New-DistributionGroup object as a DistributionList: identity is the Exchange `Guid` (spec §4.1). */
const toDistributionList = (object: Json): DistributionList => ({
  identity: str(object["Guid"]) ?? str(object["Name"]) ?? "",
  name: str(object["Name"]) ?? "",
  alias: str(object["Alias"]) ?? "",
  displayName: str(object["DisplayName"]) ?? str(object["Name"]) ?? "",
  primarySmtpAddress: str(object["PrimarySmtpAddress"]) ?? "",
  ownerIds: Array.isArray(object["ManagedBy"]) ? object["ManagedBy"].filter((v): v is string => typeof v === "string") : [],
  requireSenderAuthenticationEnabled: object["RequireSenderAuthenticationEnabled"] !== false
})

/**
 * `GroupStore` directly on the sandbox tenant model: the same cmdlet functions, errors and knobs as the
 * emulated Exchange admin REST face, without HTTP. Parameters are the ones the Microsoft adapter sends.
 */
export const make = Effect.gen(function*() {
  const { admit, run } = makeInvoker(yield* TenantModel, yield* Behaviour)

  /** One cmdlet as one upstream call; an Exchange error becomes the port error. */
  const call = (cmdlet: string, parameters: Record<string, unknown>, identity: string) =>
    Effect.gen(function*() {
      yield* admit(cmdlet)
      const result = yield* run(cmdlet, parameters)
      if (result._tag === "Failed") return yield* Effect.fail(toPortError(cmdlet, result.error, { identity }))
      return result.value
    })

  const firstGroup = (cmdlet: string, values: ReadonlyArray<Json>) =>
    values[0] === undefined
      ? Effect.fail(new UpstreamError({ operation: cmdlet, reason: new Failed({ detail: `${cmdlet} returned no group` }) }))
      : Effect.succeed(toDistributionList(values[0]))

  const create = Effect.fn("MemoryGroupStore.create")(function*(group: NewGroup) {
    const values = yield* call("New-DistributionGroup", {
      Name: group.name,
      Alias: group.alias,
      DisplayName: group.displayName,
      PrimarySmtpAddress: group.primarySmtpAddress,
      Type: "Distribution",
      ManagedBy: group.managedBy,
      ...(group.members.length > 0 ? { Members: group.members } : {}),
      RequireSenderAuthenticationEnabled: group.requireSenderAuthenticationEnabled
    }, group.primarySmtpAddress)
    return yield* firstGroup("New-DistributionGroup", values)
  })

  const get = Effect.fn("MemoryGroupStore.get")(function*(target: Target) {
    if (target.identity.trim() === "") return yield* new GroupNotFound({ identity: target.identity })
    const values = yield* call("Get-DistributionGroup", { Identity: target.identity }, target.identity)
    return yield* firstGroup("Get-DistributionGroup", values)
  })

  const listMembers = Effect.fn("MemoryGroupStore.listMembers")(function*(target: Target) {
    const values = yield* call("Get-DistributionGroupMember", { Identity: target.identity, ResultSize: "Unlimited" }, target.identity)
    return values.flatMap((member) => str(member["PrimarySmtpAddress"]) || [])
  })

  const update = Effect.fn("MemoryGroupStore.update")(function*(target: Target, changes: GroupChanges) {
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
      ...(add.length + remove.length === 0 ? {} : {
        ManagedBy: {
          "@odata.type": "#Exchange.GenericHashTable",
          ...(add.length > 0 ? { Add: add } : {}),
          ...(remove.length > 0 ? { Remove: remove } : {})
        }
      })
    }
    if (Object.keys(parameters).length === 0) return
    yield* call("Set-DistributionGroup", { Identity: target.identity, ...parameters, ...write }, target.identity)
  })

  const remove = Effect.fn("MemoryGroupStore.remove")(function*(target: Target) {
    yield* call("Remove-DistributionGroup", { Identity: target.identity, ...write, Confirm: false }, target.identity)
  })

  const replaceMembers = Effect.fn("MemoryGroupStore.replaceMembers")(function*(target: Target, addresses: ReadonlyArray<string>) {
    yield* call("Update-DistributionGroupMember", { Identity: target.identity, Members: addresses, ...write, Confirm: false }, target.identity)
  })

  /** One member cmdlet per address, admitted per batch of 10 like the Microsoft adapter's `$batch` calls. */
  const bulk = (cmdlet: string, unchanged: "AlreadyMember" | "NotMember") =>
    Effect.fnUntraced(function*(target: Target, addresses: ReadonlyArray<string>) {
      const outcomes: Array<MemberOutcome> = []
      for (let start = 0; start < addresses.length; start += BATCH) {
        const part = addresses.slice(start, start + BATCH)
        const admitted = yield* Effect.result(admit(cmdlet))
        if (admitted._tag === "Failure") {
          for (const address of part) outcomes.push({ address, _tag: "Rejected", error: admitted.failure })
          continue
        }
        for (const address of part) {
          const result = yield* run(cmdlet, {
            Identity: target.identity,
            Member: address,
            ...write,
            ...(cmdlet.startsWith("Remove") ? { Confirm: false } : {})
          })
          if (result._tag === "Ok") outcomes.push({ address, _tag: "Applied" })
          else if (errorKind(result.error) === unchanged) outcomes.push({ address, _tag: "Unchanged" })
          else {
            const error: GroupStoreError = toPortError(cmdlet, result.error, { identity: target.identity, member: address })
            outcomes.push({ address, _tag: "Rejected", error })
          }
        }
      }
      // Every member answered "no such group": the group is unusable, not the members.
      if (outcomes.length > 0 && outcomes.every((o) => o._tag === "Rejected" && o.error._tag === "GroupNotFound")) {
        return yield* new GroupNotFound({ identity: target.identity })
      }
      return outcomes as ReadonlyArray<MemberOutcome>
    })

  return GroupStore.of({
    create,
    get,
    listMembers,
    update,
    remove,
    addMembers: bulk("Add-DistributionGroupMember", "AlreadyMember"),
    removeMembers: bulk("Remove-DistributionGroupMember", "NotMember"),
    replaceMembers
  })
})

export const layer: Layer.Layer<GroupStore, never, TenantModel | Behaviour> = Layer.effect(GroupStore, make)
