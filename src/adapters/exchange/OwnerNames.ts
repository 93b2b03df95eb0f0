import type { DistributionList } from "../../domain/DistributionList.ts"
import { isObjectId } from "../microsoft/ObjectId.ts"
import * as Cmdlets from "./Cmdlets.ts"
import { objectIdOf } from "./PortMapping.ts"

// ManagedBy names each owner by its Exchange Name, which is its object id only for recipients made since
// Exchange Online's 2022-23 naming change; older ones keep a legacy name (docs/sandbox.md, "Users").
// Such names are read as object ids with one Get-Recipient each, so that a list's owner ids are object
// ids for Graph, for owner diffs and for owner checks alike.

/** The owners of `dl` named by a legacy name, once each. */
export const legacyOwnerNames = (dl: DistributionList): ReadonlyArray<string> =>
  [...new Set(dl.ownerIds.filter((name) => !isObjectId(name)))]

/** One Get-Recipient per legacy name, in order. */
export const lookups = (names: ReadonlyArray<string>): ReadonlyArray<Cmdlets.Command> => names.map(Cmdlets.getRecipient)

/**
 * `dl` with each legacy name replaced by the object id its lookup found. A name Exchange could not resolve
 * stays as it is: Graph never sees it, and it still names that owner for a removal.
 */
export const withOwnerIds = (
  dl: DistributionList,
  names: ReadonlyArray<string>,
  results: ReadonlyArray<Cmdlets.CommandResult>
): DistributionList => {
  const ids = new Map<string, string>()
  names.forEach((name, i) => {
    const result = results[i]
    const id = result?._tag === "Ok" ? objectIdOf(result.value) : undefined
    if (id !== undefined) ids.set(name, id)
  })
  return { ...dl, ownerIds: [...new Set(dl.ownerIds.map((name) => ids.get(name) ?? name))] }
}
