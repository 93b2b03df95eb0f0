import { Effect } from "effect"
import { type DistributionList, userAddress } from "../domain/DistributionList.ts"
import type { DistributionListDetails, RequestHints } from "./DistributionLists.ts"
import { readGroup, readWithMembers } from "./ListReads.ts"
import { mapStoreErrors, type Toolkit } from "./Toolkit.ts"
import { shown } from "./LogText.ts"

/** The owners' addresses, in Exchange's order; an owner the directory cannot resolve is left out (and logged). */
export const ownerAddresses = Effect.fnUntraced(function*(kit: Toolkit, dl: DistributionList) {
  if (dl.ownerIds.length === 0) return [] as ReadonlyArray<string>
  const users = yield* kit.directory.usersByIds(dl.ownerIds).pipe(Effect.retry(kit.schedules.upstream))
  const unresolved = dl.ownerIds.filter((id) => !users.has(id))
  if (unresolved.length > 0) {
    yield* Effect.logWarning(`DL '${dl.alias}': owner id(s) not found in the directory: ${unresolved.join(", ")}`)
  }
  return dl.ownerIds.flatMap((id) => {
    const user = users.get(id)
    return user === undefined ? [] : [userAddress(user)]
  })
})

/** The seed's GET body, in its field order. */
export const details = (
  dl: DistributionList,
  owners: ReadonlyArray<string>,
  members: ReadonlyArray<string>
): DistributionListDetails => ({
  dlId: dl.alias,
  name: dl.name,
  displayName: dl.displayName,
  primaryEmail: dl.primarySmtpAddress,
  owners,
  members,
  allowExternalSenders: !dl.requireSenderAuthenticationEnabled
})

export const make = (kit: Toolkit) =>
  Effect.fn("DistributionLists.get")(
    function*(dlId: string, hints: RequestHints) {
      yield* Effect.logInfo(`Fetching Distribution List: ${shown(dlId)}`)
      // Member paging starts with the read; the owners are resolved as soon as the read returns.
      const { dl, extra: owners, members } = yield* readWithMembers(kit, dlId, hints, (dl) => ownerAddresses(kit, dl))
      return details(dl, owners, members)
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )

/**
 * Only the owners (an owner check needs no member list, which can be 50 pages long): their ids, and their
 * addresses too when asked (one directory lookup).
 */
export const makeOwners = (kit: Toolkit) =>
  Effect.fn("DistributionLists.owners")(
    function*(dlId: string, hints: RequestHints, by: "ids" | "addresses") {
      const dl = yield* readGroup(kit, dlId, hints, "ownerIds")
      const owners = by === "ids" ? { ids: dl.ownerIds } : { ids: dl.ownerIds, addresses: yield* ownerAddresses(kit, dl) }
      return { list: dl.identity, owners }
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )

/**
 * The directory ids of the users these addresses name (UPN, mail or proxy address), looked up now and
 * never from the validation cache: an access decision rests on them, and a cached entry may name an
 * address's previous holder.
 */
export const makeUserIds = (kit: Toolkit) =>
  Effect.fn("DistributionLists.userIds")(function*(addresses: ReadonlyArray<string>) {
    const users = yield* kit.directory.findUsers(addresses).pipe(Effect.retry(kit.schedules.upstream))
    return [...new Set([...users.values()].map((user) => user.id.toLowerCase()))]
  })
