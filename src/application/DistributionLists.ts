import { Context, type Effect } from "effect"
import type { DistributionListExists, DistributionListNotFound, InvalidInput, UsersNotFound } from "../domain/Errors.ts"
import type { UpstreamError } from "./ports/UpstreamError.ts"

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

export interface UpdateRequest {
  readonly name?: string
  readonly displayName?: string
  readonly ownerEmails?: ReadonlyArray<string>
  readonly memberEmails?: ReadonlyArray<string>
  readonly allowExternalSenders?: boolean
}

export interface MembersResult {
  readonly message: string
  readonly failed: ReadonlyArray<string>
}

/** Per-request context from the caller: the `X-AnchorMailbox` header, if any. */
export interface RequestHints {
  readonly anchorMailbox?: string | undefined
}

export type DistributionListsError =
  | DistributionListNotFound
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
  readonly update: (
    dlId: string,
    request: UpdateRequest,
    hints: RequestHints
  ) => Effect.Effect<{ readonly message: string }, DistributionListsError>
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
