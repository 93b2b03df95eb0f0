import { Effect } from "effect"
import { aliasFromName } from "../domain/Alias.ts"
import type { DistributionList } from "../domain/DistributionList.ts"
import { isEmail, normalizeEmail } from "../domain/Email.ts"
import { DistributionListNotFound } from "../domain/Errors.ts"
import type { RequestHints } from "./DistributionLists.ts"
import { GroupNotFound, type GroupStoreError, type Target } from "./ports/GroupStore.ts"
import { callerTarget, type Toolkit } from "./Toolkit.ts"

// Reads of a list by the id a caller gave: its name, alias or address.

/**
 * The identities a caller's id is tried under, in order: the id, then, when it reads like the display name
 * the DL was created with ("Marketing Team"), the alias that name gives ("marketing-team").
 */
export const identitiesOf = (dlId: string): ReadonlyArray<string> => {
  const alias = isEmail(dlId) ? "" : aliasFromName(dlId)
  return alias === "" || alias === dlId.toLowerCase() ? [dlId] : [dlId, alias]
}

const isNotFound = (error: unknown): error is GroupNotFound =>
  (error as { readonly _tag?: string })._tag === "GroupNotFound"

/** A name as compared: compatibility-normalised, its runs of white space (NBSP too) one space, in lower case. */
const comparable = (name: string): string => name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase()

/** Whether `dlId` is the list's name: its display name (what it was created with) or its Exchange Name. */
const isNamed = (dl: DistributionList, dlId: string): boolean => {
  const name = comparable(dlId)
  return comparable(dl.displayName) === name || comparable(dl.name) === name
}

/**
 * Runs `read` on each of `identitiesOf(dlId)` until one finds the group; the first not-found is the answer.
 * A group found by the alias a name gives counts only if it bears that name: "it.support" gives the alias
 * "it-support" too, and a change by a mistyped id must not reach another list.
 */
const byIdOrDisplayName = <A, E, R>(
  dlId: string,
  read: (id: string) => Effect.Effect<A, E | GroupNotFound, R>,
  dlOf: (found: A) => DistributionList
): Effect.Effect<A, E | GroupNotFound, R> => {
  const [first, alias] = identitiesOf(dlId)
  if (alias === undefined) return read(first!)
  return read(first!).pipe(
    Effect.catchIf(isNotFound, (notFound) =>
      read(alias).pipe(
        Effect.catchIf(isNotFound, () => Effect.fail(notFound)),
        Effect.flatMap((found) => isNamed(dlOf(found), dlId) ? Effect.succeed(found) : Effect.fail(notFound))
      ))
  )
}

/** Whether a read needs the owners as object ids (`GroupStore.ownerIds`: a lookup more for legacy names). */
export type OwnersNeeded = "ownerIds" | "noOwners"

/** `dl` with its owners as object ids. */
export const withOwnerIds = (kit: Toolkit, dl: DistributionList, target: Target) =>
  Effect.map(kit.store.ownerIds(dl, target), (ownerIds) => ({ ...dl, ownerIds }))

const readGroupAs = (kit: Toolkit, id: string, hints: RequestHints, owners: OwnersNeeded) => {
  const target = callerTarget(kit, id, hints)
  const checked = hints.checkedList
  const read = checked === undefined ? kit.store.get(target) : Effect.flatMap(kit.store.get(target), (dl) =>
    dl.identity.toLowerCase() === checked.toLowerCase()
      ? Effect.succeed(dl)
      : Effect.fail(new GroupNotFound({ identity: id })))
  const retried = Effect.retry(read, kit.schedules.upstream)
  // the owner lookup retried on its own: a throttled one must not send the read again each time
  return owners === "ownerIds"
    ? Effect.flatMap(retried, (dl) => Effect.retry(withOwnerIds(kit, dl, target), kit.schedules.upstream))
    : retried
}

/**
 * Reads a DL by the caller's id (name, alias or address), with the identity that found it (the id, or the
 * alias its display name gives); absent is a 404 at once (no long retry).
 */
export const readGroupWithId = (kit: Toolkit, dlId: string, hints: RequestHints, owners: OwnersNeeded) =>
  byIdOrDisplayName(dlId, (id) => Effect.map(readGroupAs(kit, id, hints, owners), (dl) => ({ dl, id })), ({ dl }) => dl)
    .pipe(Effect.catchTag("GroupNotFound", () => Effect.fail(new DistributionListNotFound({ dlId }))))

/** `readGroupWithId`, the DL alone. */
export const readGroup = (kit: Toolkit, dlId: string, hints: RequestHints, owners: OwnersNeeded) =>
  Effect.map(readGroupWithId(kit, dlId, hints, owners), ({ dl }) => dl)

/**
 * Reads a DL and, at the same time, runs `list` (a member listing) by the caller's id (Exchange's `Identity`
 * takes the same name, alias or address), so that member paging does not wait for the read; `then` runs on
 * the DL as soon as it is read, overlapping the listing too. The read decides first: its failure (a 404
 * above all) is the answer and stops the listing; a listing failure counts only once the DL was read.
 * `list` retries as it needs (a walk over pages, each page). `id` is the identity that found the DL.
 */
export const readWithListing = <A, E, L, E2 extends { readonly _tag: string }>(
  kit: Toolkit,
  dlId: string,
  hints: RequestHints,
  then: (dl: DistributionList) => Effect.Effect<A, E>,
  list: (target: Target) => Effect.Effect<L, E2 | GroupStoreError>,
  owners: OwnersNeeded = "ownerIds"
) =>
  byIdOrDisplayName(dlId, (id) =>
    Effect.all([
      Effect.flatMap(readGroupAs(kit, id, hints, owners), (dl) => Effect.map(then(dl), (extra) => ({ dl, extra }))),
      Effect.result(list(callerTarget(kit, id, hints)))
    ], { concurrency: 2 }).pipe(
      Effect.flatMap(([{ dl, extra }, listed]) =>
        listed._tag === "Failure"
          ? Effect.fail(listed.failure)
          : Effect.succeed({ dl, extra, listed: listed.success, id })
      )
    ), ({ dl }) => dl).pipe(Effect.catchTag("GroupNotFound", () => Effect.fail(new DistributionListNotFound({ dlId }))))

/** Every member, a page that failed asked again alone (a walk restarted from page 1 rarely ends under faults). */
export const allMembers = (kit: Toolkit, target: Target) =>
  kit.store.listMembers(target, (page) => Effect.retry(page, kit.schedules.upstream))

/**
 * Of `addresses`, those that are members of `target` now (`member`) or that are not (`!member`): the read-back
 * of a member change whose reply was lost (`MemberChange.inEffect`). The addresses must be as the listing
 * names members (their primary addresses). One read, each page retried once: it only settles a failure
 * already reported, and must not double the wait of an outage.
 */
export const membershipIs = (kit: Toolkit, target: Target, member: boolean) => (addresses: ReadonlyArray<string>) =>
  Effect.map(kit.store.listMembers(target, (page) => Effect.retry(page, { times: 1 })), (members) => {
    const now = new Set(members.map(normalizeEmail))
    return addresses.filter((address) => now.has(normalizeEmail(address)) === member)
  })

/** `readWithListing` with the whole member list. */
export const readWithMembers = <A, E>(
  kit: Toolkit,
  dlId: string,
  hints: RequestHints,
  then: (dl: DistributionList) => Effect.Effect<A, E>,
  owners: OwnersNeeded = "ownerIds"
) =>
  Effect.map(
    readWithListing(kit, dlId, hints, then, (target) => allMembers(kit, target), owners),
    ({ dl, extra, listed }) => ({ dl, extra, members: listed })
  )
