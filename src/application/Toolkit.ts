import { Effect } from "effect"
import { aliasFromName } from "../domain/Alias.ts"
import { chooseAnchor } from "../domain/AnchorMailbox.ts"
import { type DirectoryUser, type DistributionList, userAddress } from "../domain/DistributionList.ts"
import { emailProblem, isEmail, normalizeEmail, primaryAddress } from "../domain/Email.ts"
import {
  DistributionListAmbiguous,
  DistributionListExists,
  DistributionListNotFound,
  type InputIssue,
  UsersNotFound
} from "../domain/Errors.ts"
import { MAX_ADDRESSES_PER_REQUEST } from "../domain/Limits.ts"
import type { DistributionListsError, RequestHints } from "./DistributionLists.ts"
import {
  GroupAlreadyExists,
  GroupAmbiguous,
  GroupNotFound,
  type GroupStore,
  type GroupStoreError,
  RecipientNotFound,
  type Target
} from "./ports/GroupStore.ts"
import type { UserDirectory } from "./ports/UserDirectory.ts"
import { Failed, UpstreamError } from "./ports/UpstreamError.ts"
import { backoff, type Schedules, schedules as makeSchedules, type Tagged } from "./Retry.ts"
import type { SettingsShape } from "./Settings.ts"
import * as UserValidation from "./UserValidation.ts"

/** What every use case works with. */
export interface Toolkit {
  readonly store: GroupStore["Service"]
  readonly directory: UserDirectory["Service"]
  readonly settings: SettingsShape
  readonly schedules: Schedules
  readonly users: UserValidation.UserValidation
}

export const make = Effect.fnUntraced(function*(
  store: GroupStore["Service"],
  directory: UserDirectory["Service"],
  settings: SettingsShape
) {
  const schedules = makeSchedules(settings)
  const users = yield* UserValidation.make(directory, settings, schedules.upstream)
  return { store, directory, settings, schedules, users } satisfies Toolkit
})

/** The anchor for a call about a DL whose address (or requested owners) we know. */
export const anchorFor = (
  kit: Toolkit,
  hints: RequestHints,
  known: { readonly owners?: ReadonlyArray<string>; readonly dlAddress?: string | undefined }
): string =>
  chooseAnchor({
    header: hints.anchorMailbox,
    adminAnchor: kit.settings.adminAnchorMailbox,
    owners: known.owners ?? [],
    dlAddress: known.dlAddress,
    customDomain: kit.settings.customDomain
  })

/** Every call after the first read names the DL by its immutable identity, so that renames break nothing. */
export const targetOf = (kit: Toolkit, hints: RequestHints, dl: DistributionList): Target => ({
  identity: dl.identity,
  anchor: anchorFor(kit, hints, { dlAddress: dl.primarySmtpAddress })
})

/**
 * The DL as the caller named it (name, alias or address), before its immutable identity is known. Its
 * address, for the anchor, is the given one or the one this service gives an alias (`alias@CUSTOM_DOMAIN`).
 */
export const callerTarget = (kit: Toolkit, dlId: string, hints: RequestHints): Target => ({
  identity: dlId,
  anchor: anchorFor(kit, hints, {
    dlAddress: isEmail(dlId) ? dlId : primaryAddress(aliasFromName(dlId) || dlId, kit.settings.customDomain)
  })
})

/**
 * Whether Exchange may still come to know an address as a recipient: not for a directory user without a
 * mailbox (Graph `mail` null), which is no Exchange recipient; waiting for it would only cost 30 s.
 */
export const mayAppear = (users: ReadonlyMap<string, DirectoryUser>) => {
  const noMailbox = new Set(
    [...users.values()].filter((user) => user.mail === null).map((user) => normalizeEmail(userAddress(user)))
  )
  return (address: string): boolean => !noMailbox.has(normalizeEmail(address))
}

/** The member schedule, for calls naming recipients Exchange may not see yet (a user Graph just created). */
export const unseenRecipientSchedule = (kit: Toolkit, mayStillAppear: (address: string) => boolean) =>
  backoff(
    kit.settings.member,
    (error) => error._tag === "RecipientNotFound" && mayStillAppear((error as RecipientNotFound).address),
    kit.settings.retryAfterMaxMillis
  )

/**
 * Retries a call naming recipients Exchange may not see yet on the member schedule; if it still does not,
 * that user is reported as not found (404).
 */
export const retryUnseenRecipients = <A, E extends Tagged, R>(
  kit: Toolkit,
  effect: Effect.Effect<A, E | RecipientNotFound, R>,
  mayStillAppear: (address: string) => boolean,
  asRequested: (address: string) => string = (address) => address
): Effect.Effect<A, Exclude<E, RecipientNotFound> | UsersNotFound, R> =>
  effect.pipe(
    Effect.retry(unseenRecipientSchedule(kit, mayStillAppear)),
    Effect.catchIf(
      (error): error is RecipientNotFound => error._tag === "RecipientNotFound",
      (error) => Effect.fail(new UsersNotFound({ addresses: [asRequested(error.address)] }))
    )
  ) as Effect.Effect<A, Exclude<E, RecipientNotFound> | UsersNotFound, R>

/** Runs two independent reads at once; when both fail, the first one's error is the answer (deterministic). */
export const both = <A, EA, B, EB, R>(
  first: Effect.Effect<A, EA, R>,
  second: Effect.Effect<B, EB, R>
): Effect.Effect<readonly [A, B], EA | EB, R> =>
  Effect.flatMap(
    Effect.all([Effect.result(first), Effect.result(second)], { concurrency: 2 }),
    ([a, b]): Effect.Effect<readonly [A, B], EA | EB> =>
      a._tag === "Failure"
        ? Effect.fail(a.failure)
        : b._tag === "Failure"
        ? Effect.fail(b.failure)
        : Effect.succeed([a.success, b.success] as const)
  )

/** Port errors left over at the end of a use case, as the service's errors. */
export const mapStoreErrors = (dlId: string) =>
<A, E, R>(
  effect: Effect.Effect<A, E | GroupStoreError, R>
): Effect.Effect<A, E | DistributionListsError, R> =>
  Effect.catch(effect, (error) =>
    Effect.fail(
      error instanceof GroupNotFound
        ? new DistributionListNotFound({ dlId })
        : error instanceof GroupAmbiguous
        ? new DistributionListAmbiguous({ dlId })
        : error instanceof GroupAlreadyExists
        ? new DistributionListExists({ alias: dlId, detail: error.detail })
        : error instanceof RecipientNotFound
        ? new UsersNotFound({ addresses: [error.address] })
        : error
    ))

export const upstreamFailure = (operation: string, detail: string) =>
  new UpstreamError({ operation, reason: new Failed({ detail }) })

/** Pydantic-like issues for malformed addresses at `[field, index]`, and for a list over the limit. */
export const emailIssues = (field: string, addresses: ReadonlyArray<string>): ReadonlyArray<InputIssue> => [
  ...addresses.flatMap((address, index) => {
    const problem = emailProblem(address.trim())
    return problem === undefined ? [] : [{ type: "value_error", loc: [field, index], msg: problem }]
  }),
  ...(addresses.length > MAX_ADDRESSES_PER_REQUEST
    ? [{ type: "too_long", loc: [field], msg: `List should have at most ${MAX_ADDRESSES_PER_REQUEST} items` }]
    : [])
]

/** The address Exchange lists a user under (mail, else UPN), for a requested address already validated. */
export const canonical = (users: ReadonlyMap<string, DirectoryUser>) => (address: string): string => {
  const user = users.get(normalizeEmail(address))
  return user === undefined ? address.trim() : userAddress(user)
}

/**
 * Reports addresses in the caller's spelling when the caller sent one. The index is built on first use:
 * most requests report nothing, and for 10,000 addresses building it costs a visible share of the CPU.
 */
export const spelling = (requested: ReadonlyArray<string>, users: ReadonlyMap<string, DirectoryUser>) => {
  let byCanonical: Map<string, string> | undefined
  return (address: string): string => {
    if (byCanonical === undefined) {
      byCanonical = new Map<string, string>()
      const toExchange = canonical(users)
      for (const requestedAddress of requested) {
        const key = normalizeEmail(toExchange(requestedAddress))
        if (!byCanonical.has(key)) byCanonical.set(key, requestedAddress.trim())
      }
    }
    return byCanonical.get(normalizeEmail(address)) ?? address
  }
}
