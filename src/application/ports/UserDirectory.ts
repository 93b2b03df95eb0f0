import { Context, type Effect } from "effect"
import type { DirectoryUser } from "../../domain/DistributionList.ts"
import type { UpstreamError } from "./UpstreamError.ts"

/** The tenant's user directory (Microsoft Graph in production). */
export class UserDirectory extends Context.Service<UserDirectory, {
  /**
   * Looks addresses up by userPrincipalName, mail or SMTP proxy address, case-insensitively.
   * The result is keyed by the lower-cased input address; an address absent from it is unknown.
   */
  readonly findUsers: (
    addresses: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, DirectoryUser>, UpstreamError>
  /** Resolves directory object ids; unknown ids are absent from the result. */
  readonly usersByIds: (
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, DirectoryUser>, UpstreamError>
}>()("distribution-list-api/application/ports/UserDirectory") {}
