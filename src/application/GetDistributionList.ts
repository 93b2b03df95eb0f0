import { Effect } from "effect"
import { type DistributionList, userAddress } from "../domain/DistributionList.ts"
import type { DistributionListDetails, RequestHints } from "./DistributionLists.ts"
import { mapStoreErrors, readGroup, targetOf, type Toolkit } from "./Toolkit.ts"

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

export const make = (kit: Toolkit) =>
  Effect.fn("DistributionLists.get")(
    function*(dlId: string, hints: RequestHints) {
      yield* Effect.logInfo(`Fetching Distribution List: ${dlId}`)
      const dl = yield* readGroup(kit, dlId, hints)
      const target = targetOf(kit, hints, dl)
      const [members, owners] = yield* Effect.all([
        kit.store.listMembers(target).pipe(Effect.retry(kit.schedules.upstream)),
        ownerAddresses(kit, dl)
      ], { concurrency: 2 })
      return {
        dlId: dl.alias,
        name: dl.name,
        displayName: dl.displayName,
        primaryEmail: dl.primarySmtpAddress,
        owners,
        members,
        allowExternalSenders: !dl.requireSenderAuthenticationEnabled
      } satisfies DistributionListDetails
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )
