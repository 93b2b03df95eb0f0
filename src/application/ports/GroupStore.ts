import { Context, type Effect, Schema } from "effect"
import type { DistributionList } from "../../domain/DistributionList.ts"
import type { UpstreamError } from "./UpstreamError.ts"

/** The group is not there, or not yet visible (Exchange replicates new groups with a delay). */
export class GroupNotFound extends Schema.TaggedError<GroupNotFound>()("GroupNotFound", {
  identity: Schema.String
}) {}

/** The identity names more than one group (a name or alias they share), so no group was used. */
export class GroupAmbiguous extends Schema.TaggedError<GroupAmbiguous>()("GroupAmbiguous", {
  identity: Schema.String
}) {}

/** Name, alias or primary address already used by another recipient. */
export class GroupAlreadyExists extends Schema.TaggedError<GroupAlreadyExists>()("GroupAlreadyExists", {
  identity: Schema.String,
  detail: Schema.String
}) {}

/** A member or owner address Exchange does not (yet) know as a recipient. */
export class RecipientNotFound extends Schema.TaggedError<RecipientNotFound>()("RecipientNotFound", {
  address: Schema.String
}) {}

/**
 * A member page cursor the store cannot use: `Unrecognized` when it is not one the store issues (malformed,
 * or pointing anywhere but Exchange), `Expired` when Exchange no longer honours it (nextLinks expire).
 */
export class PageCursorInvalid extends Schema.TaggedError<PageCursorInvalid>()("PageCursorInvalid", {
  reason: Schema.Literals(["Unrecognized", "Expired"])
}) {}

export type GroupStoreError = GroupNotFound | GroupAmbiguous | GroupAlreadyExists | RecipientNotFound | UpstreamError

/** Which group, and which mailbox routes the request (`X-AnchorMailbox`). */
export interface Target {
  readonly identity: string
  readonly anchor: string
}

export interface NewGroup {
  readonly name: string
  readonly alias: string
  readonly displayName: string
  readonly primarySmtpAddress: string
  /** Owner addresses (Exchange `ManagedBy`); at least one. */
  readonly managedBy: ReadonlyArray<string>
  /** Initial members, at most 10,000 (Exchange's per-command limit). */
  readonly members: ReadonlyArray<string>
  readonly requireSenderAuthenticationEnabled: boolean
  readonly anchor: string
}

export interface GroupChanges {
  readonly name?: string
  readonly alias?: string
  readonly displayName?: string
  readonly primarySmtpAddress?: string
  readonly requireSenderAuthenticationEnabled?: boolean
  /** Owner addresses to add to and remove from `ManagedBy`. */
  readonly managedBy?: { readonly add: ReadonlyArray<string>; readonly remove: ReadonlyArray<string> }
}

/** One page of members: primary SMTP addresses in the store's order, and where the next page starts. */
export interface MemberPage {
  readonly members: ReadonlyArray<string>
  /** The store's own cursor for the next page (opaque to callers); absent on the last page. */
  readonly next?: string | undefined
}

/** The most members one page may hold: Exchange's own page limit (spec exchange-admin-rest.md §3.3). */
export const MAX_MEMBER_PAGE_SIZE = 1000

/** Which page: `cursor` from the previous page (absent for the first), at most `size` members (1..1000). */
export interface PageRequest {
  readonly size: number
  readonly cursor?: string | undefined
}

/** What a caller does to each page's request of a walk over pages (retrying it, typically). */
export type RetryPage = <A, E extends { readonly _tag: string }>(page: Effect.Effect<A, E>) => Effect.Effect<A, E>

/** The outcome of one member in a bulk add or remove; an error here affected that member only. */
export type MemberOutcome =
  | { readonly address: string; readonly _tag: "Applied" }
  | { readonly address: string; readonly _tag: "Unchanged" }
  | { readonly address: string; readonly _tag: "Rejected"; readonly error: GroupStoreError }

/** Exchange Online distribution groups (InvokeCommand in production). */
export class GroupStore extends Context.Service<GroupStore, {
  /** The new list; its `ownerIds` as Exchange names them (see `ownerIds`). */
  readonly create: (group: NewGroup) => Effect.Effect<DistributionList, GroupStoreError>
  /** The list; its `ownerIds` as Exchange names them: object ids, or legacy names for older owners (see `ownerIds`). */
  readonly get: (target: Target) => Effect.Effect<DistributionList, GroupStoreError>
  /**
   * `dl`'s owners as directory object ids: Exchange names owners older than its 2022-23 naming change by a
   * legacy name, read here as the object id (one lookup more, only for such owners); a name no recipient
   * has any more stays as it is.
   */
  readonly ownerIds: (dl: DistributionList, target: Target) => Effect.Effect<ReadonlyArray<string>, GroupStoreError>
  /**
   * Every member's primary SMTP address, all pages. `retryPage` wraps each page's request (the caller's
   * retry policy), so that a page that failed is asked again alone, not the whole walk from the start.
   */
  readonly listMembers: (target: Target, retryPage?: RetryPage) => Effect.Effect<ReadonlyArray<string>, GroupStoreError>
  /**
   * One page of members. A cursor is only valid with the same `target` it was issued for (Exchange re-runs
   * the same command); a cursor the store did not issue, or one that expired, is `PageCursorInvalid`.
   */
  readonly listMembersPage: (
    target: Target,
    page: PageRequest
  ) => Effect.Effect<MemberPage, GroupStoreError | PageCursorInvalid>
  readonly update: (target: Target, changes: GroupChanges) => Effect.Effect<void, GroupStoreError>
  /** Deletes permanently: Exchange Online has no soft delete for distribution groups. */
  readonly remove: (target: Target) => Effect.Effect<void, GroupStoreError>
  /** Adds each address; "already a member" is `Unchanged`. Fails as a whole only when the group is unusable. */
  readonly addMembers: (
    target: Target,
    addresses: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError>
  /** Removes each address; "not a member" is `Unchanged`. */
  readonly removeMembers: (
    target: Target,
    addresses: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<MemberOutcome>, GroupStoreError>
  /** Replaces the whole member list (Update-DistributionGroupMember, at most 10,000). */
  readonly replaceMembers: (
    target: Target,
    addresses: ReadonlyArray<string>
  ) => Effect.Effect<void, GroupStoreError>
}>()("distribution-list-api/application/ports/GroupStore") {}
