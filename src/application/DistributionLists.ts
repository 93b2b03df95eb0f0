import { type Config, Context, Effect, Layer } from "effect"
import type { OwnerSet } from "../domain/Access.ts"
import {
  type DistributionListAmbiguous,
  type DistributionListExists,
  type DistributionListNotFound,
  type InputIssue,
  InvalidInput,
  type UsersNotFound
} from "../domain/Errors.ts"
import { aliasFromName } from "../domain/Alias.ts"
import * as CreateDistributionList from "./CreateDistributionList.ts"
import * as GetDistributionList from "./GetDistributionList.ts"
import * as GetDistributionListPage from "./GetDistributionListPage.ts"
import * as ListLocks from "./ListLocks.ts"
import * as ManageMembers from "./ManageMembers.ts"
import { GroupStore } from "./ports/GroupStore.ts"
import { ListLeases } from "./ports/ListLeases.ts"
import type { UpstreamError } from "./ports/UpstreamError.ts"
import { UserDirectory } from "./ports/UserDirectory.ts"
import * as RemoveDistributionList from "./RemoveDistributionList.ts"
import * as Settings from "./Settings.ts"
import * as Toolkit from "./Toolkit.ts"
import * as UpdateDistributionList from "./UpdateDistributionList.ts"

export interface CreateRequest {
  readonly name: string
  readonly ownerEmails: ReadonlyArray<string>
  readonly memberEmails: ReadonlyArray<string>
  readonly allowExternalSenders: boolean
}

export interface CreateResult {
  readonly dlId: string
  readonly primaryEmail: string
  readonly status: string
  readonly failedMembers: ReadonlyArray<string>
}

export interface DistributionListDetails {
  readonly dlId: string
  readonly name: string
  readonly displayName: string
  readonly primaryEmail: string
  readonly owners: ReadonlyArray<string>
  readonly members: ReadonlyArray<string>
  readonly allowExternalSenders: boolean
}

export type { DistributionListPage, MemberPaging } from "./GetDistributionListPage.ts"

export interface UpdateRequest {
  readonly name?: string
  readonly displayName?: string
  readonly ownerEmails?: ReadonlyArray<string>
  readonly memberEmails?: ReadonlyArray<string>
  readonly allowExternalSenders?: boolean
}

export interface UpdateResult {
  readonly message: string
  /** The new alias after a rename (for the audit line; the seed's response does not show it). */
  readonly renamedTo?: string
  /** Present only when some member changes could not be applied (adds in the caller's spelling, removals as listed). */
  readonly failedMembers?: ReadonlyArray<string>
}

export interface MembersResult {
  readonly message: string
  readonly failed: ReadonlyArray<string>
}

/** Per-request context: the caller's `X-AnchorMailbox` header, and the list an owner check was made on. */
export interface RequestHints {
  readonly anchorMailbox?: string | undefined
  /**
   * The identity of the list the caller's ownership was checked on: a read that finds another list by the
   * same dlId (one that became visible, or was renamed, in between) is a 404, never a change to that one.
   */
  readonly checkedList?: string | undefined
}

/** A list's owners for an owner check, and which list it was (its identity). */
export interface CheckedOwners {
  readonly list: string
  readonly owners: OwnerSet
}

export type DistributionListsError =
  | DistributionListNotFound
  | DistributionListAmbiguous
  | DistributionListExists
  | UsersNotFound
  | InvalidInput
  | UpstreamError

/** The use cases of the service, one per REST endpoint. */
export class DistributionLists extends Context.Service<DistributionLists, {
  readonly create: (
    request: CreateRequest,
    hints: RequestHints
  ) => Effect.Effect<CreateResult, DistributionListsError>
  readonly get: (dlId: string, hints: RequestHints) => Effect.Effect<DistributionListDetails, DistributionListsError>
  /** Like `get` with one page of members and, when more remain, the token of the next page. */
  readonly getPage: (
    dlId: string,
    paging: GetDistributionListPage.MemberPaging,
    hints: RequestHints
  ) => Effect.Effect<GetDistributionListPage.DistributionListPage, DistributionListsError>
  /**
   * A list's owners for an owner check, without listing its members: their directory ids, and with
   * `"addresses"` also their addresses as `get` reports them (one directory lookup more).
   */
  readonly owners: (
    dlId: string,
    hints: RequestHints,
    by: "ids" | "addresses"
  ) => Effect.Effect<CheckedOwners, DistributionListsError>
  /** The directory ids of the users these addresses name, looked up now (never cached): for owner checks. */
  readonly userIds: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, UpstreamError>
  readonly update: (
    dlId: string,
    request: UpdateRequest,
    hints: RequestHints
  ) => Effect.Effect<UpdateResult, DistributionListsError>
  readonly remove: (dlId: string, hints: RequestHints) => Effect.Effect<{ readonly message: string }, DistributionListsError>
  readonly addMembers: (
    dlId: string,
    memberEmails: ReadonlyArray<string>,
    hints: RequestHints
  ) => Effect.Effect<MembersResult, DistributionListsError>
  readonly removeMembers: (
    dlId: string,
    memberEmails: ReadonlyArray<string>,
    hints: RequestHints
  ) => Effect.Effect<MembersResult, DistributionListsError>
}>()("distribution-list-api/application/DistributionLists") {}

const invalidIf = (issues: ReadonlyArray<InputIssue>) =>
  issues.length > 0 ? Effect.fail(new InvalidInput({ issues })) : Effect.void

export const make = Effect.gen(function*() {
  const kit = yield* Toolkit.make(yield* GroupStore, yield* UserDirectory, yield* Settings.Settings)
  const oneAtATime = ListLocks.make(kit.settings.customDomain, yield* ListLeases)
  const update = UpdateDistributionList.make(kit)
  const remove = RemoveDistributionList.make(kit)
  const addMembers = ManageMembers.makeAdd(kit)
  const removeMembers = ManageMembers.makeRemove(kit)
  return DistributionLists.of({
    create: CreateDistributionList.make(kit),
    get: GetDistributionList.make(kit),
    getPage: GetDistributionListPage.make(kit),
    owners: GetDistributionList.makeOwners(kit),
    userIds: GetDistributionList.makeUserIds(kit),
    // A request is checked before it waits for its list: a 422 need not wait behind a long change. A rename
    // holds the new name's key too: a change sent to it waits until the rename is done.
    update: (dlId, request, hints) =>
      Effect.andThen(
        invalidIf(UpdateDistributionList.requestIssues(request)),
        // the alias the rename makes (a name written like an address gives one too: "a@b.example" → a-b-example)
        oneAtATime(dlId, update(dlId, request, hints), request.name === undefined ? [] : [aliasFromName(request.name)])
      ),
    remove: (dlId, hints) => oneAtATime(dlId, remove(dlId, hints)),
    addMembers: (dlId, memberEmails, hints) =>
      Effect.andThen(ManageMembers.checkAddresses(memberEmails), oneAtATime(dlId, addMembers(dlId, memberEmails, hints))),
    removeMembers: (dlId, memberEmails, hints) =>
      Effect.andThen(ManageMembers.checkAddresses(memberEmails), oneAtATime(dlId, removeMembers(dlId, memberEmails, hints)))
  })
})

/** The use cases over the two ports, with the settings still to provide (tests: `Settings.layerWith`). */
export const layerNoDeps: Layer.Layer<DistributionLists, never, UserDirectory | GroupStore | Settings.Settings> = Layer
  .effect(DistributionLists, make)

/** The use cases over the two ports, settings read from the environment (invalid ones name their variable). */
export const layer: Layer.Layer<DistributionLists, Config.ConfigError, UserDirectory | GroupStore> = layerNoDeps.pipe(
  Layer.provide(Settings.layer)
)
