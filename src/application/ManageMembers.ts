import { Effect } from "effect"
import { uniqueEmails } from "../domain/Email.ts"
import { InvalidInput } from "../domain/Errors.ts"
import type { MembersResult, RequestHints } from "./DistributionLists.ts"
import { confirmHeld } from "./ListLocks.ts"
import { applyMembers } from "./Members.ts"
import { membershipIs, readGroup } from "./ListReads.ts"
import { both, canonical, emailIssues, mayAppear, mapStoreErrors, spelling, targetOf, type Toolkit } from "./Toolkit.ts"
import { shown } from "./LogText.ts"

export const addedMessage = (failed: ReadonlyArray<string>): string =>
  failed.length === 0 ? "All members added." : "Some members could not be added."

export const removedMessage = (failed: ReadonlyArray<string>): string =>
  failed.length === 0 ? "All members removed (or already absent)." : "Some members could not be removed."

/** The request's addresses, checked before the change waits for its list. */
export const checkAddresses = (addresses: ReadonlyArray<string>) => {
  const issues = emailIssues("memberEmails", addresses)
  return issues.length > 0 ? Effect.fail(new InvalidInput({ issues })) : Effect.void
}

/** Adds members: every user is validated first (404 naming all unknown ones, nothing changed); duplicates succeed. */
export const makeAdd = (kit: Toolkit) =>
  Effect.fn("DistributionLists.addMembers")(
    function*(dlId: string, memberEmails: ReadonlyArray<string>, hints: RequestHints) {
      yield* Effect.logInfo(`Adding ${memberEmails.length} member(s) to Distribution List: ${shown(dlId)}`)
      const requested = uniqueEmails(memberEmails)
      // Both reads at once; unknown users are reported before an absent DL, as the seed orders them.
      const [users, dl] = yield* both(kit.users.requireAll(requested), readGroup(kit, dlId, hints, "noOwners"))
      yield* confirmHeld(kit.settings.customDomain, dl)
      const target = targetOf(kit, hints, dl)
      const { notApplied: failed } = yield* applyMembers(
        {
          run: (addresses) => kit.store.addMembers(target, addresses),
          mayAppear: mayAppear(users),
          inEffect: membershipIs(kit, target, true),
          schedules: kit.schedules
        },
        uniqueEmails(requested.map(canonical(users)))
      )
      const asRequested = spelling(requested, users)
      if (failed.length > 0) yield* Effect.logWarning(`DL '${dl.alias}': member(s) not added: ${failed.map(shown).join(", ")}`)
      return { message: addedMessage(failed), failed: failed.map(asRequested) } satisfies MembersResult
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )

/** Removes members; one that is not a member (or not a recipient at all) counts as removed. */
export const makeRemove = (kit: Toolkit) =>
  Effect.fn("DistributionLists.removeMembers")(
    function*(dlId: string, memberEmails: ReadonlyArray<string>, hints: RequestHints) {
      yield* Effect.logInfo(`Removing ${memberEmails.length} member(s) from Distribution List: ${shown(dlId)}`)
      const dl = yield* readGroup(kit, dlId, hints, "noOwners")
      yield* confirmHeld(kit.settings.customDomain, dl)
      const target = targetOf(kit, hints, dl)
      const { notApplied: failed } = yield* applyMembers(
        {
          run: (addresses) => kit.store.removeMembers(target, addresses),
          alreadyDone: (error) => error._tag === "RecipientNotFound",
          // no read-back: these are addresses as requested (any of a member's addresses), and the listing
          // names members by their primary address only, so absence from it would prove nothing
          schedules: kit.schedules
        },
        uniqueEmails(memberEmails)
      )
      if (failed.length > 0) {
        yield* Effect.logWarning(`DL '${dl.alias}': member(s) not removed: ${failed.map(shown).join(", ")}`)
      }
      return { message: removedMessage(failed), failed } satisfies MembersResult
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )
