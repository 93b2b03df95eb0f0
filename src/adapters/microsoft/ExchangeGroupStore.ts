import { Effect, Layer, Result } from "effect"
import { HttpClient } from "effect/http"
import {
  type GroupChanges,
  GroupNotFound,
  GroupStore,
  type GroupStoreError,
  type MemberOutcome,
  type NewGroup,
  PageCursorInvalid,
  type PageRequest,
  type RetryPage,
  type Target
} from "../../application/ports/GroupStore.ts"
import { Failed, UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { DistributionList } from "../../domain/DistributionList.ts"
import * as Cmdlets from "../exchange/Cmdlets.ts"
import * as OwnerNames from "../exchange/OwnerNames.ts"
import { firstGroup, groupUnusable, memberAddresses, memberOutcome, theGroup, toPortError } from "../exchange/PortMapping.ts"
import { Cloud } from "./Cloud.ts"
import * as ExchangeClient from "./ExchangeClient.ts"
import { Tokens } from "./Tokens.ts"
import { chunk } from "./Wire.ts"

/** How many `$batch` requests (of 10 cmdlets each) one bulk member change keeps in flight. */
export const BATCH_CONCURRENCY = 6

export const make = Effect.gen(function*() {
  const cloud = yield* Cloud
  const exchange = ExchangeClient.make(yield* HttpClient.HttpClient, yield* Tokens, cloud)

  const run = (command: Cmdlets.Command, target: Target) =>
    exchange.invoke(command, target.anchor).pipe(
      Effect.catchTag("ExchangeCommandError", (error) => Effect.fail(toPortError(error, { identity: target.identity })))
    )

  // Legacy owner names as object ids (OwnerNames.ts): ten lookups to a $batch, only when there are any.
  const ownerIds = (dl: DistributionList, target: Target) =>
    OwnerNames.ownerIds(dl, (commands) =>
      Effect.map(
        Effect.forEach(
          chunk(commands, ExchangeClient.MAX_BATCH_COMMANDS),
          (part) => exchange.batch(part, target.anchor),
          { concurrency: BATCH_CONCURRENCY }
        ),
        (parts) => parts.flat()
      )).pipe(
        Effect.catchTag("ExchangeCommandError", (error) => Effect.fail(toPortError(error, { identity: target.identity })))
      )

  const get = Effect.fn("ExchangeGroupStore.get")(function*(target: Target) {
    if (target.identity.trim() === "") return yield* new GroupNotFound({ identity: target.identity })
    return yield* theGroup(yield* run(Cmdlets.getGroup(target.identity), target), target.identity)
  })

  const create = Effect.fn("ExchangeGroupStore.create")(function*(group: NewGroup) {
    const target = { identity: group.primarySmtpAddress, anchor: group.anchor }
    const values = yield* run(Cmdlets.newGroup(group), target)
    if (values.length > 0) return yield* firstGroup("New-DistributionGroup", values)
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
  const walkFailed = (detail: string) =>
    Effect.fail(new UpstreamError({ operation: "Get-DistributionGroupMember", reason: new Failed({ detail }) }))

  // Page by page (spec §3.3: re-POST to @odata.nextLink), each page through `retryPage` on its own.
  const walk = Effect.fnUntraced(function*(target: Target, retryPage: RetryPage) {
    const members: Array<string> = []
    let cursor: string | undefined
    for (let page = 0; page === 0 || cursor !== undefined; page++) {
      if (page >= ExchangeClient.MAX_PAGES) return yield* walkFailed("too many result pages")
      const result = yield* retryPage(listMembersPage(target, { size: ExchangeClient.MAX_PAGE_SIZE, cursor }))
      for (const member of result.members) members.push(member)
      // the same link again would walk in a circle until MAX_PAGES, holding every address it saw
      if (result.next !== undefined && result.next === cursor) return yield* walkFailed("Exchange sent the same next page link twice")
      cursor = result.next
    }
    return members as ReadonlyArray<string>
  })

  const listMembers = Effect.fn("ExchangeGroupStore.listMembers")(function*(
    target: Target,
    retryPage: RetryPage = (page) => page
  ) {
    // A nextLink that expired under long retries (spec §3.3): the walk starts again once from page 1.
    return yield* walk(target, retryPage).pipe(
      Effect.catchTag("PageCursorInvalid", () => walk(target, retryPage)),
      Effect.catchTag("PageCursorInvalid", (invalid) =>
        walkFailed(`Exchange refused its own next page link (${invalid.reason})`))
    )
  })

  // One POST per page; the cursor is Exchange's own nextLink, followed only to Exchange (ExchangeClient).
  const listMembersPage = Effect.fn("ExchangeGroupStore.listMembersPage")(function*(target: Target, page: PageRequest) {
    const result = yield* exchange.invokePage(
      Cmdlets.listMembers(target.identity),
      target.anchor,
      { pageSize: page.size, link: page.cursor, select: ["PrimarySmtpAddress"], onPage: memberAddresses }
    ).pipe(
      Effect.catchTags({
        UntrustedPageLink: () => Effect.fail(new PageCursorInvalid({ reason: "Unrecognized" })),
        ExchangeCommandError: (error) =>
          Effect.fail(
            error.kind === "InvalidPagination"
              ? new PageCursorInvalid({ reason: "Expired" })
              : toPortError(error, { identity: target.identity })
          )
      })
    )
    return { members: result.values, next: result.next }
  })

  const update = Effect.fn("ExchangeGroupStore.update")(function*(target: Target, changes: GroupChanges) {
    const command = Cmdlets.setGroup(target.identity, changes)
    if (command !== undefined) yield* run(command, target)
  })

  const remove = Effect.fn("ExchangeGroupStore.remove")(function*(target: Target) {
    yield* run(Cmdlets.removeGroup(target.identity), target)
  })

  const replaceMembers = Effect.fn("ExchangeGroupStore.replaceMembers")(function*(
    target: Target,
    addresses: ReadonlyArray<string>
  ) {
    yield* run(Cmdlets.replaceMembers(target.identity, addresses), target)
  })

  const bulk = (span: string, change: Cmdlets.MemberChange) =>
    Effect.fn(span)(function*(target: Target, addresses: ReadonlyArray<string>) {
      const parts = chunk(addresses, ExchangeClient.MAX_BATCH_COMMANDS)
      const results = yield* Effect.forEach(parts, (part) => Effect.result(memberBatch(change, target, part)), {
        concurrency: BATCH_CONCURRENCY
      })
      // A batch refused as a whole rejects its own members: the other batches' members were applied, and
      // who was must not be lost. Only when every batch was refused does the call fail.
      const refused = results.filter(Result.isFailure)
      if (refused.length === results.length && refused.length > 0) return yield* Effect.fail(refused[0]!.failure)
      const outcomes = results.flatMap((result, i) =>
        Result.isSuccess(result)
          ? result.success
          : parts[i]!.map((address): MemberOutcome => ({ address, _tag: "Rejected", error: result.failure }))
      )
      if (groupUnusable(outcomes)) return yield* new GroupNotFound({ identity: target.identity })
      return outcomes as ReadonlyArray<MemberOutcome>
    })

  const memberBatch = (
    change: Cmdlets.MemberChange,
    target: Target,
    part: ReadonlyArray<string>
  ): Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError> =>
    exchange.batch(part.map((member) => change.command(target.identity, member)), target.anchor).pipe(
      Effect.map((results) =>
        results.map((result, i) => memberOutcome(result, part[i]!, change.unchanged, target.identity))
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
    ownerIds,
    listMembers,
    listMembersPage,
    update,
    remove,
    addMembers: bulk("ExchangeGroupStore.addMembers", Cmdlets.addMember),
    removeMembers: bulk("ExchangeGroupStore.removeMembers", Cmdlets.removeMember),
    replaceMembers
  })
})

export const layer: Layer.Layer<GroupStore, never, HttpClient.HttpClient | Tokens | Cloud> = Layer.effect(
  GroupStore,
  make
)
