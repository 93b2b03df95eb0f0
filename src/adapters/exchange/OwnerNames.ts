import { Effect } from "effect"
import type { DistributionList } from "../../domain/DistributionList.ts"
import { isObjectId } from "../microsoft/ObjectId.ts"
import * as Cmdlets from "./Cmdlets.ts"
import type { ExchangeCommandError } from "./CommandErrors.ts"
import { objectIdOf } from "./PortMapping.ts"

// ManagedBy names each owner by its Exchange Name, which is its object id only for recipients made since
// Exchange Online's 2022-23 naming change; older ones keep a legacy name (docs/sandbox.md, "Exchange
// Names"). Such names are read as object ids, so that a list's owner ids are object ids for Graph, for
// owner diffs and for owner checks alike.

/** The owners of `dl` named by a legacy name, once each. */
export const legacyOwnerNames = (dl: DistributionList): ReadonlyArray<string> =>
  [...new Set(dl.ownerIds.filter((name) => !isObjectId(name)))]

/** One Get-Recipient by identity per name: Exchange's own resolution, which takes a Name. */
export const lookups = (names: ReadonlyArray<string>): ReadonlyArray<Cmdlets.Command> => names.map(Cmdlets.getRecipient)

/**
 * One Get-Recipient per name filtered on Name alone, for a name the identity lookup found ambiguous (it is
 * also another object's alias or address). OPATH takes a quote inside a quoted value doubled.
 */
export const exactLookups = (names: ReadonlyArray<string>): ReadonlyArray<Cmdlets.Command> =>
  names.map((name) => ({ cmdlet: "Get-Recipient", parameters: { Filter: `Name -eq '${name.replaceAll("'", "''")}'` } }))

/** What the lookups of `names` came to: ids found, names to look up exactly, and a failure to report. */
const readLookups = (names: ReadonlyArray<string>, results: ReadonlyArray<Cmdlets.CommandResult>) => {
  const ids = new Map<string, string>()
  const ambiguous: Array<string> = []
  let failure: ExchangeCommandError | undefined
  names.forEach((name, i) => {
    const result = results[i]
    if (result === undefined) return
    if (result._tag === "Ok") {
      const id = objectIdOf(result.value)
      if (id !== undefined) ids.set(name, id)
      return
    }
    const kind = result.error.kind
    if (kind === "Ambiguous") ambiguous.push(name)
    // a name no recipient has any more stays as it is; anything else (throttled, unavailable, refused) is
    // reported, so that the read is retried or fails rather than show a list without that owner
    else if (kind !== "RecipientNotFound" && kind !== "GroupNotFound") failure ??= result.error
  })
  return { ids, ambiguous, failure }
}

/**
 * `dl`'s owners with each legacy name replaced by the object id Exchange has for it, by `run` (one result
 * per command, in order). A name Exchange cannot resolve stays as it is: Graph never sees it, and it still
 * names that owner for a removal.
 */
export const ownerIds = <E>(
  dl: DistributionList,
  run: (commands: ReadonlyArray<Cmdlets.Command>) => Effect.Effect<ReadonlyArray<Cmdlets.CommandResult>, E>
): Effect.Effect<ReadonlyArray<string>, E | ExchangeCommandError> =>
  Effect.gen(function*() {
    const names = legacyOwnerNames(dl)
    if (names.length === 0) return dl.ownerIds
    const first = readLookups(names, yield* run(lookups(names)))
    if (first.failure !== undefined) return yield* Effect.fail(first.failure)
    const ids = new Map(first.ids)
    if (first.ambiguous.length > 0) {
      const exact = readLookups(first.ambiguous, yield* run(exactLookups(first.ambiguous)))
      if (exact.failure !== undefined) return yield* Effect.fail(exact.failure)
      for (const [name, id] of exact.ids) ids.set(name, id)
    }
    return [...new Set(dl.ownerIds.map((name) => ids.get(name) ?? name))]
  })
