import { Context, Effect, Layer, Option } from "effect"
import { DistributionLists } from "../../../application/DistributionLists.ts"
import type { CheckedOwners } from "../../../application/DistributionLists.ts"
import * as ApiErrors from "../ApiErrors.ts"
import { AuthUnavailable } from "./Errors.ts"

/** The owners of a distribution list, and who requested owners are, for owner self-service checks. */
export class Owners extends Context.Service<Owners, {
  /**
   * Which list `dlId` names and its owner ids (and addresses, by `"addresses"`). `None` when the list does
   * not exist (the caller answers 404, failing closed); 409 when the id names several.
   */
  readonly of: (
    dlId: string,
    anchorMailbox: string | undefined,
    by: "ids" | "addresses"
  ) => Effect.Effect<Option.Option<CheckedOwners>, AuthUnavailable | ApiErrors.Conflict>
  /** The directory ids of the users these addresses name, looked up now. */
  readonly idsOf: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, AuthUnavailable>
}>()("distribution-list-api/adapters/http/auth/Owners") {}

export const make = Effect.gen(function*() {
  const lists = yield* DistributionLists
  return Owners.of({
    idsOf: (addresses) =>
      lists.userIds(addresses).pipe(
        Effect.catch((error) =>
          Effect.logError("Owner lookup failed").pipe(
            Effect.annotateLogs({ reason: error.message }),
            Effect.andThen(Effect.fail(AuthUnavailable.because("Could not look the requested owners up; try again.")))
          ))
      ),
    of: (dlId, anchorMailbox, by) =>
      // `owners` reads the list and its owners without paging through its members.
      lists.owners(dlId, { anchorMailbox }, by).pipe(
        Effect.map(Option.some),
        Effect.catchTag("DistributionListNotFound", () => Effect.succeed(Option.none())),
        Effect.catchTag("InvalidInput", () => Effect.succeed(Option.none())),
        Effect.catch((error) =>
          error._tag === "DistributionListAmbiguous"
            // The endpoint's own answer: no list can be checked, nor changed, by an id that names several.
            ? Effect.fail(ApiErrors.ambiguous(error.message))
            // Fail closed: without the owners nothing may proceed. A Microsoft failure: the seed's ERROR.
            : Effect.logError("Owner check failed").pipe(
              Effect.annotateLogs({ reason: error.message }),
              Effect.andThen(Effect.fail(AuthUnavailable.because("Could not check the list's owners; try again.")))
            ))
      )
  })
})

export const layer: Layer.Layer<Owners, never, DistributionLists> = Layer.effect(Owners, make)
