import { Effect } from "effect"
import { aliasFromName, controlCharacterIssues, MAX_DISPLAY_NAME_LENGTH, nameIssues } from "../domain/Alias.ts"
import { type DistributionList, userAddress } from "../domain/DistributionList.ts"
import { normalizeEmail, primaryAddress, uniqueEmails } from "../domain/Email.ts"
import { DistributionListExists, type InputIssue, UsersNotFound } from "../domain/Errors.ts"
import { targetMembers } from "../domain/MemberDiff.ts"
import type { RequestHints, UpdateRequest, UpdateResult } from "./DistributionLists.ts"
import { confirmHeld } from "./ListLocks.ts"
import * as MemberSync from "./MemberSync.ts"
import type { GroupChanges, Target } from "./ports/GroupStore.ts"
import { retryAmbiguous } from "./Retry.ts"
import { readGroup, readWithMembers } from "./ListReads.ts"
import { anchorFor, both, canonical, emailIssues, mapStoreErrors, mayAppear, retryUnseenRecipients, spelling, targetOf, type Toolkit } from "./Toolkit.ts"
import type { FoundUsers } from "./UserValidation.ts"
import { shown } from "./LogText.ts"

const displayNameIssues = (displayName: string): ReadonlyArray<InputIssue> =>
  displayName.trim().length === 0
    ? [{ type: "value_error", loc: ["displayName"], msg: "Value error, displayName must not be blank" }]
    : displayName.trim().length > MAX_DISPLAY_NAME_LENGTH
    ? [{
      type: "string_too_long",
      loc: ["displayName"],
      msg: `String should have at most ${MAX_DISPLAY_NAME_LENGTH} characters`
    }]
    : controlCharacterIssues(displayName, ["displayName"])

export const requestIssues = (request: UpdateRequest): ReadonlyArray<InputIssue> => [
  ...(request.name === undefined ? [] : nameIssues(request.name, ["name"])),
  ...(request.displayName === undefined ? [] : displayNameIssues(request.displayName)),
  ...(request.ownerEmails?.length === 0
    ? [{
      type: "too_short",
      loc: ["ownerEmails"],
      msg: "List should have at least 1 item after validation, not 0 (a Distribution List needs an owner)"
    }]
    : []),
  ...emailIssues("ownerEmails", request.ownerEmails ?? []),
  ...emailIssues("memberEmails", request.memberEmails ?? [])
]

export const updatedMessage = (alias: string, failed: ReadonlyArray<string>): string =>
  failed.length === 0
    ? `Distribution List '${alias}' updated successfully.`
    : `Distribution List '${alias}' updated, but ${failed.length} member change(s) could not be applied: ${
      failed.join(", ")
    }`

/** The property and owner changes the request asks for, leaving out what already holds. */
const changesFor = (
  kit: Toolkit,
  dl: DistributionList,
  request: UpdateRequest,
  owners: ReadonlyArray<string> | undefined,
  users: FoundUsers,
  currentOwners: ReadonlyMap<string, string>
): GroupChanges => {
  const alias = request.name === undefined ? undefined : aliasFromName(request.name)
  const rename = alias !== undefined && alias !== dl.alias.toLowerCase()
  const displayName = request.displayName?.trim()
  const requireAuth = request.allowExternalSenders === undefined ? undefined : !request.allowExternalSenders
  const ownerIds = new Set(owners?.map((owner) => users.get(normalizeEmail(owner))?.id))
  const addOwners = owners?.filter((owner) => !dl.ownerIds.includes(users.get(normalizeEmail(owner))?.id ?? ""))
  const removeOwners = owners === undefined ? [] : dl.ownerIds.filter((id) => !ownerIds.has(id))
  return {
    ...(rename ? { name: alias, alias, primarySmtpAddress: primaryAddress(alias, kit.settings.customDomain) } : {}),
    ...(displayName !== undefined && displayName !== dl.displayName ? { displayName } : {}),
    ...(requireAuth !== undefined && requireAuth !== dl.requireSenderAuthenticationEnabled
      ? { requireSenderAuthenticationEnabled: requireAuth }
      : {}),
    ...((addOwners?.length ?? 0) + removeOwners.length > 0
      ? {
        managedBy: {
          add: uniqueEmails((addOwners ?? []).map(canonical(users))),
          // An owner the directory no longer resolves is named by its id, which Exchange accepts too.
          remove: removeOwners.map((id) => currentOwners.get(id) ?? id)
        }
      }
      : {})
  }
}

export const make = (kit: Toolkit) => {
  const applyChanges = (
    dl: DistributionList,
    target: Target,
    changes: GroupChanges,
    requested: ReadonlyArray<string>,
    users: FoundUsers
  ) =>
    retryUnseenRecipients(
      kit,
      retryAmbiguous(kit.schedules.upstream, (ambiguous) =>
        kit.store.update(target, changes).pipe(
          Effect.catchTag("GroupAlreadyExists", (error) =>
            // A rename that conflicts with itself after a lost reply was applied by our earlier try.
            (ambiguous && changes.alias !== undefined
              ? Effect.map(
                Effect.option(Effect.retry(kit.store.get(target), kit.schedules.upstream)),
                (found) => found._tag === "Some" && found.value.alias.toLowerCase() === changes.alias
              )
              : Effect.succeed(false)).pipe(
                Effect.flatMap((ours) =>
                  ours ? Effect.void : Effect.fail(
                    new DistributionListExists({ alias: changes.alias ?? dl.alias, detail: error.detail })
                  )
                )
              ))
        )),
      mayAppear(users),
      spelling(requested, users)
    )

  /** The owners' addresses by directory id, fetched only when the request needs them. */
  const currentOwnersOf = Effect.fnUntraced(function*(dl: DistributionList, needed: boolean) {
    if (!needed || dl.ownerIds.length === 0) return new Map<string, string>() as ReadonlyMap<string, string>
    const users = yield* kit.directory.usersByIds(dl.ownerIds).pipe(Effect.retry(kit.schedules.upstream))
    return new Map([...users].map(([id, user]) => [id, userAddress(user)])) as ReadonlyMap<string, string>
  })

  const { addOrRemove, syncMembers } = MemberSync.make(kit)

  return Effect.fn("DistributionLists.update")(
    function*(dlId: string, request: UpdateRequest, hints: RequestHints) {
      yield* Effect.logInfo(`Updating Distribution List: ${shown(dlId)}`)

      const owners = request.ownerEmails === undefined ? undefined : uniqueEmails(request.ownerEmails)
      const members = request.memberEmails === undefined ? undefined : uniqueEmails(request.memberEmails)
      const requested = [...(owners ?? []), ...(members ?? [])]
      const keepOwnersAsMembers = members !== undefined && owners === undefined && kit.settings.ownersAsMembers
      const needOwners = owners !== undefined || keepOwnersAsMembers
      // owner ids (a lookup more for legacy Exchange names) only when owners are changed or kept as members
      const ownersNeeded = needOwners ? "ownerIds" : "noOwners"
      // The DL (then its owners) and its members, and the users, all at once; an absent DL is reported
      // before unknown users. A DL held under another key than its alias's stops the listing at once.
      const held = (dl: DistributionList) => confirmHeld(kit.settings.customDomain, dl)
      const [{ current, currentOwners, dl }, users] = yield* both(
        members === undefined
          ? Effect.map(
            readGroup(kit, dlId, hints, ownersNeeded).pipe(Effect.tap(held)),
            (dl) => ({ dl, currentOwners: new Map<string, string>() as ReadonlyMap<string, string>, current: [] })
          )
          : Effect.map(
            readWithMembers(kit, dlId, hints, (dl) => Effect.andThen(held(dl), currentOwnersOf(dl, needOwners)), ownersNeeded),
            ({ dl, extra, members }) => ({ dl, currentOwners: extra, current: members })
          ),
        requested.length > 0 ? kit.users.resolve(requested) : Effect.succeed<FoundUsers>(new Map())
      )
      // Every owner must be a user, and every member the list does not have yet. A member it has is kept as
      // it is: a nested group or a contact, which GET shows, comes back in a PATCH and is no user.
      const present = new Set(current.map(normalizeEmail))
      const unknown = uniqueEmails([...(owners ?? []), ...(members ?? []).filter((m) => !present.has(normalizeEmail(m)))])
        .filter((address) => !users.has(normalizeEmail(address)))
      if (unknown.length > 0) return yield* new UsersNotFound({ addresses: unknown.map((address) => address.trim()) })
      // A new owner needs a mailbox (Exchange refuses it otherwise, one per attempt): all such named at once.
      // An owner the list already has is not sent to Exchange, so a full owner list sent back passes.
      const mailless = (owners ?? []).filter((owner) => {
        const user = users.get(normalizeEmail(owner))
        return user !== undefined && user.mail === null && !dl.ownerIds.includes(user.id)
      })
      if (mailless.length > 0) return yield* new UsersNotFound({ addresses: mailless.map((owner) => owner.trim()) })
      const toExchange = canonical(users)
      const owned = members === undefined ? yield* currentOwnersOf(dl, needOwners) : currentOwners

      const changes = changesFor(kit, dl, request, owners, users, owned)
      // once the settings are changed, a member sync that fails reports its changes as not applied instead
      const written = Object.keys(changes).length > 0
      if (written) yield* applyChanges(dl, targetOf(kit, hints, dl), changes, requested, users)
      // the list as the request named it: the seed's example renames marketing-team and answers 'marketing-team'
      const alias = dl.alias
      const target: Target = {
        identity: dl.identity,
        anchor: anchorFor(kit, hints, { dlAddress: changes.primarySmtpAddress ?? dl.primarySmtpAddress })
      }

      let failed: ReadonlyArray<string> = []
      if (members !== undefined) {
        const wanted = targetMembers({
          members: members.map(toExchange),
          owners: owners === undefined ? [...owned.values()] : owners.map(toExchange),
          ownersAsMembers: kit.settings.ownersAsMembers
        })
        const [notAdded, notRemoved] = yield* syncMembers(target, users, current, wanted, written)
        failed = [...notAdded.map(spelling(requested, users)), ...notRemoved]
      } else if (owners !== undefined && kit.settings.ownersAsMembers) {
        // Owners as members: new owners become members too; nobody is removed.
        const [notAdded] = yield* addOrRemove(target, users, uniqueEmails(owners.map(toExchange)), [], written)
        failed = notAdded.map(spelling(requested, users))
      }
      if (failed.length > 0) yield* Effect.logWarning(`DL '${alias}': member change(s) not applied: ${failed.map(shown).join(", ")}`)
      return {
        message: updatedMessage(alias, failed),
        ...(failed.length > 0 ? { failedMembers: failed } : {}),
        ...(changes.alias !== undefined && changes.alias !== dl.alias ? { renamedTo: changes.alias } : {})
      } satisfies UpdateResult
    },
    (effect, dlId) => mapStoreErrors(dlId)(effect)
  )
}
