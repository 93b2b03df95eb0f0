import { Effect } from "effect"
import { DistributionListNotFound } from "../domain/Errors.ts"
import type { RequestHints } from "./DistributionLists.ts"
import { confirmHeld } from "./ListLocks.ts"
import { retryAmbiguous } from "./Retry.ts"
import { readGroup } from "./ListReads.ts"
import { mapStoreErrors, targetOf, type Toolkit } from "./Toolkit.ts"
import { shown } from "./LogText.ts"

/** Deletes a DL permanently: Exchange Online keeps no soft-deleted distribution groups. */
export const make = (kit: Toolkit) =>
  Effect.fn("DistributionLists.remove")(
    function*(dlId: string, hints: RequestHints) {
      yield* Effect.logInfo(`Deleting Distribution List: ${shown(dlId)}`)
      const dl = yield* readGroup(kit, dlId, hints, "noOwners")
      yield* confirmHeld(kit.settings.customDomain, dl)
      yield* retryAmbiguous(kit.schedules.upstream, (ambiguous) =>
        kit.store.remove(targetOf(kit, hints, dl)).pipe(
          // Gone after a lost reply: our earlier try deleted it.
          Effect.catchTag("GroupNotFound", () =>
            ambiguous ? Effect.void : Effect.fail(new DistributionListNotFound({ dlId })))
        ))
      return { message: `Distribution List '${dl.alias}' deleted successfully.` }
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )
