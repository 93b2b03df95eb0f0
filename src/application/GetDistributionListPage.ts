import { Effect, Option, Result, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import type { DistributionList } from "../domain/DistributionList.ts"
import { InvalidInput } from "../domain/Errors.ts"
import type { DistributionListDetails, RequestHints } from "./DistributionLists.ts"
import { details, ownerAddresses } from "./GetDistributionList.ts"
import { type GroupStoreError, MAX_MEMBER_PAGE_SIZE, type PageCursorInvalid } from "./ports/GroupStore.ts"
import { ACQUIRE_TOKEN, UpstreamError } from "./ports/UpstreamError.ts"
import { identitiesOf, readGroupWithId, readWithListing } from "./ListReads.ts"
import { callerTarget, mapStoreErrors, type Toolkit } from "./Toolkit.ts"
import { shown } from "./LogText.ts"

/** Optional member paging of a read: either field switches it on; the size defaults to the maximum. */
export interface MemberPaging {
  readonly pageSize?: number | undefined
  /** `membersNextPageToken` of the previous page of the same DL. */
  readonly pageToken?: string | undefined
}

/** The DL with one page of members; the token of the next page when more members remain. */
export interface DistributionListPage extends DistributionListDetails {
  readonly membersNextPageToken?: string
}

/**
 * What a page token carries: the caller's `dl` it was issued for, the identity the member listing ran
 * under (the caller's id, or the alias its display name gives), the list's own identity `g` (so that a list
 * deleted and made again under the same name is another list) and the store's cursor. It is not signed: a
 * forged one can only name a cursor the store then refuses (the Exchange adapter follows nothing but
 * Exchange's own InvokeCommand URL) or one it re-runs for the DL named here.
 */
const PageToken = Schema.Struct({
  v: Schema.Literal(2),
  dl: Schema.String,
  id: Schema.String,
  g: Schema.String,
  c: Schema.String
})
type PageToken = typeof PageToken.Type

const decodeTokenJson = Schema.decodeUnknownOption(Schema.fromJsonString(PageToken))

export const encodePageToken = (token: PageToken): string => Base64Url.encode(JSON.stringify(token))

export const decodePageToken = (text: string): PageToken | undefined => {
  const json = Base64Url.decodeString(text)
  return Result.isFailure(json) ? undefined : Option.getOrUndefined(decodeTokenJson(json.success))
}

const START_AGAIN = "start again without membersPageToken"

const tokenIssue = (msg: string) =>
  new InvalidInput({ issues: [{ type: "value_error", loc: ["query", "membersPageToken"], msg }] })

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

// Refused for want of rights, with our own token in hand (not our token refused us: that is ours to report).
const refusedCursor = (error: { readonly _tag: string }): boolean =>
  error instanceof UpstreamError && error.reason._tag === "Forbidden" && error.operation !== ACQUIRE_TOKEN

export const make = (kit: Toolkit) => {
  const withOwners = (dl: DistributionList) => ownerAddresses(kit, dl)

  /** First page: the read and the page at once, by the caller's id, then by the alias its name gives. */
  const firstPage = (dlId: string, size: number, hints: RequestHints) =>
    Effect.map(
      readWithListing(kit, dlId, hints, withOwners, (target) =>
        kit.store.listMembersPage(target, { size }).pipe(Effect.retry(kit.schedules.upstream))),
      ({ dl, extra: owners, id, listed: page }) => ({ dl, owners, page, id })
    )

  /**
   * A later page: the read (by the caller's id, as always) and the page under the token's identity, at once.
   * The page counts only if the read found the same DL under that same identity: the caller was authorized
   * for the DL `dlId` names, and a token naming another identity (another list's alias), or a list deleted
   * and made again since, must not list that one.
   */
  const laterPage = (dlId: string, token: PageToken, size: number, hints: RequestHints) =>
    Effect.all([
      Effect.flatMap(readGroupWithId(kit, dlId, hints, "ownerIds"), ({ dl, id }) =>
        same(id, token.id) && same(dl.identity, token.g)
          ? Effect.map(withOwners(dl), (owners) => ({ dl, owners }))
          : Effect.fail<InvalidInput | UpstreamError>(tokenIssue(`The page token belongs to another distribution list; ${START_AGAIN}`))),
      Effect.result(
        kit.store.listMembersPage(callerTarget(kit, token.id, hints), { size, cursor: token.c }).pipe(
          Effect.retry(kit.schedules.upstream)
        )
      )
    ], { concurrency: 2 }).pipe(
      // the read decides first (a 404 above all); a listing failure counts only once the DL was read. The list
      // is there and ours to read: a cursor Exchange then refuses for want of rights is the token's fault (a
      // forged one, another tenant's path), not a lost permission to report.
      Effect.flatMap(([{ dl, owners }, listed]) => {
        if (listed._tag === "Success") return Effect.succeed({ dl, owners, page: listed.success, id: token.id })
        const failure: InvalidInput | GroupStoreError | PageCursorInvalid = refusedCursor(listed.failure)
          ? tokenIssue(`Invalid page token; ${START_AGAIN}`)
          : listed.failure
        return Effect.fail(failure)
      })
    )

  const tokenFor = (dlId: string, text: string): Effect.Effect<PageToken, InvalidInput> => {
    const token = decodePageToken(text)
    if (token === undefined) return Effect.fail(tokenIssue(`Invalid page token; ${START_AGAIN}`))
    if (!same(token.dl, dlId) || !identitiesOf(dlId).some((id) => same(id, token.id))) {
      return Effect.fail(tokenIssue(`The page token belongs to another distribution list; ${START_AGAIN}`))
    }
    return Effect.succeed(token)
  }

  return Effect.fn("DistributionLists.getPage")(
    function*(dlId: string, paging: MemberPaging, hints: RequestHints) {
      yield* Effect.logInfo(`Fetching Distribution List: ${shown(dlId)} (one page of members)`)
      const size = paging.pageSize ?? MAX_MEMBER_PAGE_SIZE
      if (!Number.isInteger(size) || size < 1 || size > MAX_MEMBER_PAGE_SIZE) {
        return yield* new InvalidInput({
          issues: [{
            type: "value_error",
            loc: ["query", "membersPageSize"],
            msg: `Input should be an integer from 1 to ${MAX_MEMBER_PAGE_SIZE}`
          }]
        })
      }
      const token = paging.pageToken === undefined ? undefined : yield* tokenFor(dlId, paging.pageToken)
      const { dl, id, owners, page } = yield* (token === undefined
        ? firstPage(dlId, size, hints)
        : laterPage(dlId, token, size, hints)).pipe(
          Effect.catchTag("PageCursorInvalid", (error) =>
            Effect.fail(tokenIssue(
              error.reason === "Expired"
                ? `The page token has expired or is no longer valid; ${START_AGAIN}`
                : `Invalid page token; ${START_AGAIN}`
            )))
        )
      return {
        ...details(dl, owners, page.members),
        ...(page.next === undefined
          ? {}
          : { membersNextPageToken: encodePageToken({ v: 2, dl: dlId, id, g: dl.identity, c: page.next }) })
      } satisfies DistributionListPage
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )
}
