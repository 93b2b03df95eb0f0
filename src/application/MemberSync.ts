import { Effect, Result } from "effect"
import { normalizeEmail } from "../domain/Email.ts"
import { diffMembers } from "../domain/MemberDiff.ts"
import { allMembers, membershipIs } from "./ListReads.ts"
import { applyMembers, type MembersApplied } from "./Members.ts"
import { mayHaveApplied } from "./Retry.ts"
import type { Target } from "./ports/GroupStore.ts"
import { mayAppear, type Toolkit } from "./Toolkit.ts"
import type { FoundUsers } from "./UserValidation.ts"
import { shown } from "./LogText.ts"

/** Above this many member changes, a sync replaces the whole list in one call instead of one cmdlet each. */
export const REPLACE_THRESHOLD = 10

/**
 * The largest list replaced in one call. Exchange takes 10,000, but REST cmdlets time out after 15 minutes
 * and Microsoft's advice for big lists is an Update of 5,000 (spec exchange-admin-rest.md §6); a longer list
 * is synchronised member by member rather than risk a timeout.
 */
export const REPLACE_MAX_MEMBERS = 5_000

/**
 * Whether `changes` member changes toward a list of `wanted` members are made by one replace. An empty
 * list is left to removals: whether Exchange takes `Members: []` as "none" is not documented.
 */
export const replaces = (changes: number, wanted: number): boolean =>
  changes > REPLACE_THRESHOLD && wanted > 0 && wanted <= REPLACE_MAX_MEMBERS

/** What a member change left undone: all of it when it failed (it then applied nothing). */
const notApplied = <E>(result: Result.Result<MembersApplied, E>, sent: ReadonlyArray<string>) =>
  Result.isSuccess(result) ? result.success.notApplied : sent

const sameMembers = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  const left = new Set(a.map(normalizeEmail))
  const right = new Set(b.map(normalizeEmail))
  return left.size === right.size && [...left].every((address) => right.has(address))
}

/** Whether a member change altered the list: members already so do not count. */
const appliedSome = <E>(result: Result.Result<MembersApplied, E>) => Result.isSuccess(result) && result.success.applied > 0

/**
 * Member changes of an update: what could not be added (as sent) and what could not be removed. It fails
 * only when nothing was changed, by it or before it (`written`: the update already changed the list's
 * settings); otherwise a failed side is reported as not applied, so that what was done is never hidden.
 */
export const make = (kit: Toolkit) => {
  const addOrRemove = (
    target: Target,
    users: FoundUsers,
    toAdd: ReadonlyArray<string>,
    toRemove: ReadonlyArray<string>,
    written: boolean
  ) =>
    Effect.all([
      Effect.result(applyMembers({
        run: (addresses) => kit.store.addMembers(target, addresses),
        mayAppear: mayAppear(users),
        inEffect: membershipIs(kit, target, true),
        schedules: kit.schedules
      }, toAdd)),
      Effect.result(applyMembers({
        run: (addresses) => kit.store.removeMembers(target, addresses),
        alreadyDone: (error) => error._tag === "RecipientNotFound",
        inEffect: membershipIs(kit, target, false),
        schedules: kit.schedules
      }, toRemove))
    ], { concurrency: 2 }).pipe(
      Effect.flatMap(([added, removed]) => {
        const failure = [added, removed].find(Result.isFailure)
        if (failure === undefined) return Effect.succeed([notApplied(added, toAdd), notApplied(removed, toRemove)] as const)
        if (!written && !appliedSome(added) && !appliedSome(removed)) return Effect.fail(failure.failure)
        return Effect.logWarning(`Member changes to '${target.identity}' failed after others were applied: ${shown(failure.failure.message)}`)
          .pipe(Effect.as([notApplied(added, toAdd), notApplied(removed, toRemove)] as const))
      })
    )

  /**
   * Makes the member list `wanted` (from `current`). A large change is one `Update-DistributionGroupMember`
   * (all or nothing): every address was validated through Graph first, so it rarely fails. If it
   * does (a user Exchange does not see yet, or any other refusal once transient retries are spent), the same
   * change is applied member by member, which waits for unseen users and reports exactly the addresses that
   * were not applied. Adds and removals are idempotent, so a replace that was partly applied does no harm.
   */
  const syncMembers = (
    target: Target,
    users: FoundUsers,
    current: ReadonlyArray<string>,
    wanted: ReadonlyArray<string>,
    written: boolean
  ) => {
    const { toAdd, toRemove } = diffMembers(current, wanted)
    const oneByOne = addOrRemove(target, users, toAdd, toRemove, written)
    // A user without a mailbox is no Exchange recipient and would fail the whole replace: the replace goes
    // without, and their adds are tried (and reported) on their own, as a create does.
    const recipient = mayAppear(users)
    const sendable = wanted.filter(recipient)
    if (!replaces(toAdd.length + toRemove.length, sendable.length)) return oneByOne
    const mailless = toAdd.filter((address) => !recipient(address))
    // a replace whose reply was lost may have been applied: the one-by-one changes then start from a read-back
    let mayHaveReplaced = false
    const replaced = kit.store.replaceMembers(target, sendable).pipe(
      Effect.tapError((error) =>
        Effect.sync(() => {
          mayHaveReplaced ||= mayHaveApplied(error)
        })
      ),
      Effect.retry(kit.schedules.upstream),
      Effect.as(true),
      Effect.catch((error) =>
        Effect.logWarning(
          `Replacing the members of '${target.identity}' failed (${error._tag}): ` +
            `applying the ${toAdd.length + toRemove.length} change(s) one by one`
        ).pipe(Effect.as(false))
      )
    )
    const fromReadBack = allMembers(kit, target).pipe(
      Effect.flatMap((now) => {
        const rest = diffMembers(now, wanted)
        // the replace changed the list if the list is no longer what it was
        const replacedSome = !sameMembers(now, current)
        return addOrRemove(target, users, rest.toAdd, rest.toRemove, written || replacedSome)
      }),
      // the list could not be read: the changes as first worked out (adds and removes are idempotent)
      Effect.catch(() => oneByOne)
    )
    return Effect.flatMap(replaced, (done) =>
      !done
        ? (mayHaveReplaced ? fromReadBack : oneByOne)
        : mailless.length === 0
        ? Effect.succeed([[], []] as const)
        : addOrRemove(target, users, mailless, [], true))
  }

  return { addOrRemove, syncMembers }
}
