import { Effect, Random } from "effect"
import type { MemberRestriction } from "../tenant/Objects.ts"
import { guidFromWords } from "../tenant/Objects.ts"
import type { TenantState } from "../tenant/TenantState.ts"

/** Who runs the cmdlet: an app (app-only token), optionally on behalf of a user (delegated token). */
export interface Caller {
  readonly appId: string
  readonly upn?: string | undefined
}

/** Everything a cmdlet needs, taken once per invocation so the cmdlet itself runs synchronously. */
export interface Invocation {
  readonly state: TenantState
  readonly now: number
  readonly caller: Caller
  /** The tenant's initial domain (`<name>.onmicrosoft.com`): DNs and the default secondary address. */
  readonly organization: string
  readonly replicationDelayMillis: number
  readonly newGuid: () => string
}

/** A GUID source drawing on the fiber's `Random` (seedable in tests). */
export const guidSource: Effect.Effect<() => string> = Effect.gen(function*() {
  const random = yield* Random.Random
  const word = () => Math.floor(random.nextDoubleUnsafe() * 0x1_0000_0000)
  return () => guidFromWords([word(), word(), word(), word()])
})

/** `-Param @{Add=...;Remove=...}` (spec §2.1: `#Exchange.GenericHashTable`), or a plain replacing list. */
export type MultiValue =
  | { readonly _tag: "Replace"; readonly values: ReadonlyArray<string> }
  | { readonly _tag: "Delta"; readonly add: ReadonlyArray<string>; readonly remove: ReadonlyArray<string> }

export const MEMBER_RESTRICTIONS: ReadonlyArray<MemberRestriction> = ["Open", "Closed", "ApprovalRequired"]

/** `-ResultSize`: a count, or every result. Default 1000 (spec §6). */
export type ResultSize = number | "Unlimited"

export const DEFAULT_RESULT_SIZE = 1000

/** Documented per-command limit for `-Members` on New-DistributionGroup and Update-DistributionGroupMember (§6). */
export const MAX_MEMBERS_PER_CALL = 10_000
