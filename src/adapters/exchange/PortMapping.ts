import { Effect, Schema } from "effect"
import {
  GroupAlreadyExists,
  GroupAmbiguous,
  GroupNotFound,
  type GroupStoreError,
  type MemberOutcome,
  RecipientNotFound
} from "../../application/ports/GroupStore.ts"
import { Failed, Forbidden, Transient, UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { DistributionList } from "../../domain/DistributionList.ts"
import type { CommandResult } from "./Cmdlets.ts"
import type { ExchangeCommandError } from "./CommandErrors.ts"
import { isObjectId } from "../microsoft/ObjectId.ts"

const FORBIDDEN_HINT = "Exchange Online refused the app: grant it the application permission Exchange.ManageAsApp " +
  "(Office 365 Exchange Online, admin consent) and assign it the Exchange Administrator or Exchange Recipient " +
  "Administrator role in Entra ID"

/** A failed cmdlet as a port error: `identity` is the group, `member` the address in play. */
export const toPortError = (
  error: ExchangeCommandError,
  context: { readonly identity: string; readonly member?: string | undefined }
): GroupStoreError => {
  const operation = error.cmdlet
  switch (error.kind) {
    case "GroupNotFound":
      // Ex6F9304 names the object; if that is the member we sent, the member is what is missing.
      return context.member !== undefined && error.subject?.toLowerCase() === context.member.toLowerCase()
        ? new RecipientNotFound({ address: context.member })
        : new GroupNotFound({ identity: context.identity })
    case "RecipientNotFound":
      return new RecipientNotFound({ address: context.member ?? error.subject ?? "" })
    case "AlreadyExists":
      return new GroupAlreadyExists({
        identity: context.identity,
        detail: `${error.exceptionType.split(".").at(-1) || "the name or address is already in use"}`
      })
    case "Ambiguous":
      // The group's `-Identity` names several groups (a name or alias they share); the text names the
      // value. An ambiguous `-Member` or `-ManagedBy` value, or one we cannot tell, fails the call.
      return error.subject !== undefined && sameIdentity(error.subject, context.identity)
        ? new GroupAmbiguous({ identity: context.identity })
        : failedCall(error)
    case "Throttled":
    case "Unavailable":
      return new UpstreamError({
        operation,
        reason: new Transient({
          throttled: error.kind === "Throttled",
          status: error.kind === "Throttled" && error.status === 0 ? 429 : error.status,
          ...(error.retryAfterMillis === undefined ? {} : { retryAfterMillis: error.retryAfterMillis })
        })
      })
    case "Forbidden":
      return new UpstreamError({ operation, reason: new Forbidden({ hint: `${FORBIDDEN_HINT} (HTTP ${error.status})` }) })
    default:
      return failedCall(error)
  }
}

const sameIdentity = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

const failedCall = (error: ExchangeCommandError) => {
  const id = [error.errorId, error.exceptionType.split(".").at(-1)].filter((part) => part).join(" ")
  return new UpstreamError({
    operation: error.cmdlet,
    reason: new Failed({ detail: `${error.cmdlet} failed with HTTP ${error.status}${id ? ` (${id})` : ""}` })
  })
}

export const GroupObject = Schema.Struct({
  Guid: Schema.optional(Schema.NullOr(Schema.String)),
  ExchangeObjectId: Schema.optional(Schema.NullOr(Schema.String)),
  ExternalDirectoryObjectId: Schema.optional(Schema.NullOr(Schema.String)),
  Identity: Schema.optional(Schema.NullOr(Schema.String)),
  Name: Schema.String,
  Alias: Schema.optional(Schema.NullOr(Schema.String)),
  DisplayName: Schema.optional(Schema.NullOr(Schema.String)),
  PrimarySmtpAddress: Schema.String,
  ManagedBy: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  RequireSenderAuthenticationEnabled: Schema.optional(Schema.NullOr(Schema.Boolean))
})

/** A Get-/New-DistributionGroup object (spec §4.1): identity is the `Guid`, owners the `ManagedBy` names. */
export const toDistributionList = (object: typeof GroupObject.Type): DistributionList => ({
  identity: object.Guid ?? object.ExchangeObjectId ?? object.ExternalDirectoryObjectId ?? object.Identity ?? object.Name,
  name: object.Name,
  alias: object.Alias ?? "",
  displayName: object.DisplayName ?? object.Name,
  primarySmtpAddress: object.PrimarySmtpAddress,
  // ManagedBy holds each owner's Exchange Name: its object id (a GUID: compared case-insensitively
  // everywhere, so kept lower-case as the Graph adapter keeps them), or for recipients older than
  // Exchange Online's naming change a legacy name, kept as it is (ExchangeGroupStore resolves it).
  ownerIds: (object.ManagedBy ?? []).map((name) => isObjectId(name) ? name.toLowerCase() : name),
  // Exchange's default is true (spec §6).
  requireSenderAuthenticationEnabled: object.RequireSenderAuthenticationEnabled ?? true
})

/**
 * The one group a `Get-DistributionGroup` by identity returned. Several are an ambiguous identity: Exchange's
 * Get cmdlets may list every group an identity matches (two groups given one alias, timmcmic.wordpress.com
 * 2022-03-27) where Set cmdlets refuse it ("matches multiple entries"); taking the first would change or
 * delete a list nobody named.
 */
export const theGroup = (values: ReadonlyArray<unknown>, identity: string) =>
  values.length === 0
    ? Effect.fail(new GroupNotFound({ identity }))
    : values.length > 1
    ? Effect.fail(new GroupAmbiguous({ identity }))
    : firstGroup("Get-DistributionGroup", values)

/** The first group object of a cmdlet's output, as a DistributionList. */
export const firstGroup = (cmdlet: string, values: ReadonlyArray<unknown>) =>
  Schema.decodeUnknownEffect(GroupObject)(values[0]).pipe(
    Effect.map(toDistributionList),
    Effect.mapError(() =>
      new UpstreamError({ operation: cmdlet, reason: new Failed({ detail: `${cmdlet} returned no readable group` }) })
    )
  )

/** The object id (`ExternalDirectoryObjectId`, lower-case) of the one recipient in a `Get-Recipient` output. */
export const objectIdOf = (values: ReadonlyArray<unknown>): string | undefined => {
  if (values.length !== 1 || typeof values[0] !== "object" || values[0] === null) return undefined
  const id = (values[0] as { readonly ExternalDirectoryObjectId?: unknown }).ExternalDirectoryObjectId
  return typeof id === "string" && isObjectId(id) ? id.toLowerCase() : undefined
}

/** The addresses in `Get-DistributionGroupMember` output (checked by hand: it runs once per member). */
export const memberAddresses = (values: ReadonlyArray<unknown>): ReadonlyArray<string> => {
  const addresses: Array<string> = []
  for (const value of values) {
    const address = typeof value === "object" && value !== null
      ? (value as { readonly PrimarySmtpAddress?: unknown }).PrimarySmtpAddress
      : undefined
    if (typeof address === "string" && address !== "") addresses.push(address)
  }
  return addresses
}

/** One member cmdlet's result as that member's outcome; `unchanged` is the kind that means "nothing to do". */
export const memberOutcome = (
  result: CommandResult,
  address: string,
  unchanged: ExchangeCommandError["kind"],
  identity: string
): MemberOutcome => {
  if (result._tag === "Ok") return { address, _tag: "Applied" }
  if (result.error.kind === unchanged) return { address, _tag: "Unchanged" }
  return { address, _tag: "Rejected", error: toPortError(result.error, { identity, member: address }) }
}

/** Every member answered "no such group": the group is unusable, not the members. */
export const groupUnusable = (outcomes: ReadonlyArray<MemberOutcome>): boolean =>
  outcomes.length > 0 && outcomes.every((o) => o._tag === "Rejected" && o.error._tag === "GroupNotFound")
