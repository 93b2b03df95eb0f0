import { Effect } from "effect"
import { aliasFromName, nameIssues } from "../domain/Alias.ts"
import type { DistributionList } from "../domain/DistributionList.ts"
import { normalizeEmail, primaryAddress, sameEmail, uniqueEmails } from "../domain/Email.ts"
import { DistributionListExists, type InputIssue, InvalidInput, UsersNotFound } from "../domain/Errors.ts"
import { MAX_MEMBERS_PER_COMMAND } from "../domain/Limits.ts"
import { targetMembers } from "../domain/MemberDiff.ts"
import type { CreateRequest, CreateResult, RequestHints } from "./DistributionLists.ts"
import { applyMembers } from "./Members.ts"
import type { NewGroup, Target } from "./ports/GroupStore.ts"
import { retryAmbiguous, untilVisible } from "./Retry.ts"
import { allMembers, membershipIs, withOwnerIds } from "./ListReads.ts"
import { anchorFor, canonical, emailIssues, mayAppear, spelling, type Toolkit, unseenRecipientSchedule, upstreamFailure } from "./Toolkit.ts"
import type { FoundUsers } from "./UserValidation.ts"
import { shown } from "./LogText.ts"

const requestIssues = (request: CreateRequest): ReadonlyArray<InputIssue> => [
  ...nameIssues(request.name, ["name"]),
  ...(request.ownerEmails.length === 0
    ? [{ type: "too_short", loc: ["ownerEmails"], msg: "List should have at least 1 item after validation, not 0" }]
    : []),
  ...emailIssues("ownerEmails", request.ownerEmails),
  ...emailIssues("memberEmails", request.memberEmails)
]

export const statusText = (alias: string, failed: ReadonlyArray<string>): string =>
  failed.length === 0
    ? `DL '${alias}' created. All members added.`
    : `DL '${alias}' created. ${failed.length} member(s) could not be added: ${failed.join(", ")}`

/** Is `dl` the group we asked for (so an "already exists" after a lost reply is our own earlier try)? */
const isOurs = (dl: DistributionList, group: NewGroup, ownerIds: ReadonlySet<string>): boolean =>
  sameEmail(dl.primarySmtpAddress, group.primarySmtpAddress) && dl.alias.toLowerCase() === group.alias &&
    dl.displayName === group.displayName &&
    dl.requireSenderAuthenticationEnabled === group.requireSenderAuthenticationEnabled &&
  dl.ownerIds.length === ownerIds.size && dl.ownerIds.every((id) => ownerIds.has(id))

const sameMembers = (actual: ReadonlyArray<string>, expected: ReadonlyArray<string>): boolean => {
  const wanted = new Set(expected.map(normalizeEmail))
  return actual.length === wanted.size && actual.every((member) => wanted.has(normalizeEmail(member)))
}

export const make = (kit: Toolkit) => {
  /** One create (transient retries included); `confirmed` when our group was found after a lost reply. */
  const createOnce = (group: NewGroup, ownerIds: ReadonlySet<string>) =>
    retryAmbiguous(kit.schedules.upstream, (ambiguous) =>
      kit.store.create(group).pipe(
        Effect.map((dl) => ({ dl, confirmed: false })),
        Effect.catchTag("GroupAlreadyExists", (error) =>
          (ambiguous ? findOurs(group, ownerIds) : Effect.succeed(undefined)).pipe(
            Effect.flatMap((dl) =>
              dl === undefined
                ? Effect.fail(new DistributionListExists({ alias: group.alias, detail: error.detail }))
                : Effect.succeed({ dl, confirmed: true })
            )
          )),
        Effect.catchTag("GroupNotFound", () => Effect.fail(upstreamFailure("create", "Exchange reported no group"))),
        Effect.catchTag("GroupAmbiguous", () => Effect.fail(upstreamFailure("create", "Exchange found the new address ambiguous")))
      ))

  // A look-alike created by another request (same name and owners) differs in its members: only a group
  // with exactly the members we sent can be our own earlier try.
  const findOurs = (group: NewGroup, ownerIds: ReadonlySet<string>) =>
    kit.store.get({ identity: group.primarySmtpAddress, anchor: group.anchor }).pipe(
      untilVisible(kit.schedules),
      // isOurs compares owner ids: Exchange may name an older owner by a legacy name
      Effect.flatMap((dl) =>
        Effect.retry(withOwnerIds(kit, dl, { identity: dl.identity, anchor: group.anchor }), kit.schedules.upstream)
      ),
      Effect.flatMap((dl) =>
        isOurs(dl, group, ownerIds)
          ? allMembers(kit, { identity: dl.identity, anchor: group.anchor }).pipe(
            Effect.map((members) => (sameMembers(members, group.members) ? dl : undefined))
          )
          : Effect.succeed(undefined)
      ),
      // Not found (or any odd store answer) means the name belongs to something else: a real conflict.
      Effect.catchTags({
        GroupNotFound: () => Effect.succeed(undefined),
        GroupAmbiguous: () => Effect.succeed(undefined),
        GroupAlreadyExists: () => Effect.succeed(undefined),
        RecipientNotFound: () => Effect.succeed(undefined)
      })
    )

  /**
   * Creates the group. A member Exchange does not know yet is left out at once and returned, to be added
   * (with retries) once the group exists; an owner Exchange does not know is retried, then reported (404).
   */
  const createGroup = Effect.fnUntraced(function*(
    group: NewGroup,
    users: FoundUsers,
    owners: ReadonlyArray<string>,
    asRequested: (address: string) => string
  ) {
    const ownerIds = new Set(owners.flatMap((owner) => users.get(normalizeEmail(owner))?.id ?? []))
    const deferred: Array<string> = []
    let members = group.members
    const isMemberOnly = (address: string) =>
      members.some((member) => sameEmail(member, address)) &&
      !group.managedBy.some((owner) => sameEmail(owner, address))
    while (true) {
      const result = yield* createOnce({ ...group, members }, ownerIds).pipe(
        Effect.catchTag("RecipientNotFound", (error) =>
          isMemberOnly(error.address) ? Effect.succeed({ missing: error.address }) : Effect.fail(error)),
        Effect.retry(unseenRecipientSchedule(kit, mayAppear(users))),
        Effect.catchTag("RecipientNotFound", (error) =>
          Effect.fail(new UsersNotFound({ addresses: [asRequested(error.address)] })))
      )
      if (!("missing" in result)) return { ...result, deferred }
      // Exchange names one unknown member per refusal; rather than one more full create per such member,
      // create with the owners only and add every member in batches (with the member retries) afterwards.
      deferred.push(...members)
      members = []
    }
  })

  /**
   * Read-after-write: the group may take a while to be visible; a group that stays invisible is only logged.
   * Kept although the members went with the create and the answer does not depend on it: it is what makes a
   * caller's GET right after the 201 find the DL (the seed's "ensures DL is propagated after creation"), and
   * New-DistributionGroup's reply comes from the writing server, so it says nothing about other readers.
   */
  const verify = (alias: string, target: Target) =>
    kit.store.get(target).pipe(
      untilVisible(kit.schedules),
      Effect.tapError((error) =>
        Effect.logWarning(`DL '${alias}' created but still not visible after verification: ${error._tag}`)
      ),
      Effect.ignore
    )

  /** Adds what the create did not; never fails (the group exists): what was not added is returned. */
  const addRest = (
    alias: string,
    target: Target,
    toAdd: ReadonlyArray<string>,
    mayStillAppear: (address: string) => boolean
  ) =>
    applyMembers(
      {
        run: (addresses) => kit.store.addMembers(target, addresses),
        mayAppear: mayStillAppear,
        inEffect: membershipIs(kit, target, true),
        schedules: kit.schedules
      },
      toAdd
    ).pipe(
      Effect.map(({ notApplied }) => notApplied),
      Effect.catch((error) =>
        Effect.logWarning(`Adding members to new DL '${alias}' failed: ${error._tag}`).pipe(Effect.as(toAdd))
      )
    )

  return Effect.fn("DistributionLists.create")(function*(request: CreateRequest, hints: RequestHints) {
    yield* Effect.logInfo(`Creating Distribution List: ${shown(request.name)}`)
    const issues = requestIssues(request)
    if (issues.length > 0) return yield* new InvalidInput({ issues })

    const owners = uniqueEmails(request.ownerEmails)
    const requested = targetMembers({
      members: uniqueEmails(request.memberEmails),
      owners,
      ownersAsMembers: kit.settings.ownersAsMembers
    })
    const users = yield* kit.users.requireAll([...owners, ...requested], owners)
    const toExchange = canonical(users)
    const asRequested = spelling([...owners, ...requested], users)
    const members = uniqueEmails(requested.map(toExchange))
    const managedBy = uniqueEmails(owners.map(toExchange))
    const alias = aliasFromName(request.name)
    const primaryEmail = primaryAddress(alias, kit.settings.customDomain)
    const group: NewGroup = {
      name: alias,
      alias,
      displayName: request.name.trim(),
      primarySmtpAddress: primaryEmail,
      managedBy,
      // A member without a mailbox is no Exchange recipient: left to the adds (reported there at once)
      // rather than costing a refused create each.
      members: members.filter(mayAppear(users)).slice(0, MAX_MEMBERS_PER_COMMAND),
      requireSenderAuthenticationEnabled: !request.allowExternalSenders,
      anchor: anchorFor(kit, hints, { owners: managedBy, dlAddress: primaryEmail })
    }

    const { confirmed, deferred, dl } = yield* createGroup(group, users, owners, asRequested)
    const target: Target = { identity: dl.identity, anchor: group.anchor }
    if (!confirmed) yield* verify(alias, target)
    const present = group.members.filter((member) => !deferred.some((missing) => sameEmail(missing, member)))
    const presentKeys = new Set(present.map(normalizeEmail))
    const toAdd = members.filter((member) => !presentKeys.has(normalizeEmail(member)))
    const failedMembers = (yield* addRest(alias, target, toAdd, mayAppear(users))).map(asRequested)
    if (failedMembers.length > 0) {
      yield* Effect.logWarning(`DL '${dl.alias}': member(s) not added: ${failedMembers.map(shown).join(", ")}`)
    }
    return {
      dlId: dl.alias,
      primaryEmail: dl.primarySmtpAddress,
      status: statusText(dl.alias, failedMembers),
      failedMembers
    } satisfies CreateResult
  })
}
