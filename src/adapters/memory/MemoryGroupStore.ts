import { Effect, Layer } from "effect"
import {
  type GroupChanges,
  GroupNotFound,
  GroupStore,
  type MemberOutcome,
  type NewGroup,
  PageCursorInvalid,
  type PageRequest,
  type RetryPage,
  type Target
} from "../../application/ports/GroupStore.ts"
import { Behaviour } from "../../sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../sandbox/tenant/TenantModel.ts"
import type { DistributionList } from "../../domain/DistributionList.ts"
import * as Cmdlets from "../exchange/Cmdlets.ts"
import * as OwnerNames from "../exchange/OwnerNames.ts"
import { firstGroup, groupUnusable, memberAddresses, memberOutcome, theGroup, toPortError } from "../exchange/PortMapping.ts"
import { makeInvoker } from "./MemoryExchange.ts"

/** The Microsoft adapter sends member changes 10 per `$batch` (spec §1.1): one upstream call each. */
const BATCH = 10

/**
 * `GroupStore` directly on the sandbox tenant model: the same cmdlet functions, errors and knobs as the
 * emulated Exchange admin REST face, without HTTP. Commands, output and error mapping are the Microsoft
 * adapter's own (`../exchange/`), so the two cannot drift apart.
 */
export const make = Effect.gen(function*() {
  const { admit, run } = makeInvoker(yield* TenantModel, yield* Behaviour)

  /** One cmdlet as one upstream call; an Exchange error becomes the port error. */
  const call = (command: Cmdlets.Command, identity: string) =>
    Effect.gen(function*() {
      yield* admit(command.cmdlet)
      const result = yield* run(command)
      if (result._tag === "Error") return yield* Effect.fail(toPortError(result.error, { identity }))
      return result.value
    })

  /** Legacy owner names as object ids (OwnerNames.ts), admitted per batch of 10 like the Microsoft adapter's. */
  const ownerIds = (dl: DistributionList, target: Target) =>
    OwnerNames.ownerIds(dl, (commands) =>
      Effect.gen(function*() {
        const results: Array<Cmdlets.CommandResult> = []
        for (let start = 0; start < commands.length; start += BATCH) {
          yield* admit("Get-Recipient")
          for (const command of commands.slice(start, start + BATCH)) results.push(yield* run(command))
        }
        return results
      })).pipe(Effect.catchTag("ExchangeCommandError", (error) => Effect.fail(toPortError(error, { identity: target.identity }))))

  const create = Effect.fn("MemoryGroupStore.create")(function*(group: NewGroup) {
    const values = yield* call(Cmdlets.newGroup(group), group.primarySmtpAddress)
    return yield* firstGroup("New-DistributionGroup", values)
  })

  const get = Effect.fn("MemoryGroupStore.get")(function*(target: Target) {
    if (target.identity.trim() === "") return yield* new GroupNotFound({ identity: target.identity })
    return yield* theGroup(yield* call(Cmdlets.getGroup(target.identity), target.identity), target.identity)
  })

  // one page: the whole list
  const listMembers = Effect.fn("MemoryGroupStore.listMembers")(function*(
    target: Target,
    retryPage: RetryPage = (page) => page
  ) {
    return memberAddresses(yield* retryPage(call(Cmdlets.listMembers(target.identity), target.identity)))
  })

  // One upstream call per page, as over Exchange; the cursor is the offset of the page (never expires).
  const listMembersPage = Effect.fn("MemoryGroupStore.listMembersPage")(function*(target: Target, page: PageRequest) {
    const offset = page.cursor === undefined ? 0 : /^\d{1,9}$/.test(page.cursor) ? Number(page.cursor) : undefined
    if (offset === undefined) return yield* new PageCursorInvalid({ reason: "Unrecognized" })
    const all = memberAddresses(yield* call(Cmdlets.listMembers(target.identity), target.identity))
    const end = offset + Math.max(1, Math.floor(page.size))
    return { members: all.slice(offset, end), next: end < all.length ? String(end) : undefined }
  })

  const update = Effect.fn("MemoryGroupStore.update")(function*(target: Target, changes: GroupChanges) {
    const command = Cmdlets.setGroup(target.identity, changes)
    if (command !== undefined) yield* call(command, target.identity)
  })

  const remove = Effect.fn("MemoryGroupStore.remove")(function*(target: Target) {
    yield* call(Cmdlets.removeGroup(target.identity), target.identity)
  })

  const replaceMembers = Effect.fn("MemoryGroupStore.replaceMembers")(function*(target: Target, addresses: ReadonlyArray<string>) {
    yield* call(Cmdlets.replaceMembers(target.identity, addresses), target.identity)
  })

  /** One member cmdlet per address, admitted per batch of 10 like the Microsoft adapter's `$batch` calls. */
  const bulk = (change: Cmdlets.MemberChange) =>
    Effect.fnUntraced(function*(target: Target, addresses: ReadonlyArray<string>) {
      const outcomes: Array<MemberOutcome> = []
      for (let start = 0; start < addresses.length; start += BATCH) {
        const part = addresses.slice(start, start + BATCH)
        const admitted = yield* Effect.result(admit(change.cmdlet))
        if (admitted._tag === "Failure") {
          for (const address of part) outcomes.push({ address, _tag: "Rejected", error: admitted.failure })
          continue
        }
        for (const address of part) {
          const result = yield* run(change.command(target.identity, address))
          outcomes.push(memberOutcome(result, address, change.unchanged, target.identity))
        }
      }
      if (groupUnusable(outcomes)) return yield* new GroupNotFound({ identity: target.identity })
      return outcomes as ReadonlyArray<MemberOutcome>
    })

  return GroupStore.of({
    create,
    get,
    ownerIds,
    listMembers,
    listMembersPage,
    update,
    remove,
    addMembers: bulk(Cmdlets.addMember),
    removeMembers: bulk(Cmdlets.removeMember),
    replaceMembers
  })
})

export const layer: Layer.Layer<GroupStore, never, TenantModel | Behaviour> = Layer.effect(GroupStore, make)
