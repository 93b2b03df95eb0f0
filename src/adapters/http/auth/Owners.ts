import { Context, Effect, Layer, Option } from "effect"
import { DistributionLists } from "../../../application/DistributionLists.ts"
import * as ApiErrors from "../ApiErrors.ts"
import { AuthUnavailable } from "./Errors.ts"

/** The owner addresses of a distribution list, for owner self-service checks. */
export class Owners extends Context.Service<Owners, {
  /** `None` when the list does not exist (the endpoint then answers 404 itself); 409 when the id names several. */
  readonly of: (
    dlId: string,
    anchorMailbox: string | undefined
  ) => Effect.Effect<Option.Option<ReadonlyArray<string>>, AuthUnavailable | ApiErrors.Conflict>
}>()("distribution-list-api/adapters/http/auth/Owners") {}

export const make = Effect.gen(function*() {
  const lists = yield* DistributionLists
  return Owners.of({
    of: (dlId, anchorMailbox) =>
      // `owners` reads the list and its owners without paging through its members.
      lists.owners(dlId, { anchorMailbox }).pipe(
        Effect.map(Option.some),
        Effect.catchTag("DistributionListNotFound", () => Effect.succeed(Option.none())),
        Effect.catchTag("InvalidInput", () => Effect.succeed(Option.none())),
        Effect.catch((error) =>
          Effect.fail(
            error._tag === "DistributionListAmbiguous"
              // The endpoint's own answer: no list can be checked, nor changed, by an id that names several.
              ? ApiErrors.ambiguous(error.message)
              // Fail closed: without the owners nothing may proceed.
              : AuthUnavailable.because("Could not check the list's owners; try again.")
          ))
      )
  })
})

export const layer: Layer.Layer<Owners, never, DistributionLists> = Layer.effect(Owners, make)

/** Fixed owners per list id, for tests. */
export const layerFixed = (lists: Readonly<Record<string, ReadonlyArray<string>>>): Layer.Layer<Owners> =>
  Layer.succeed(
    Owners,
    Owners.of({ of: (dlId) => Effect.succeed(Option.fromNullishOr(lists[dlId])) })
  )
