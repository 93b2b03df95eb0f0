import type { SeedService } from "./baseline/SeedService.ts"
import type { Meter } from "./Measure.ts"
import type { Ours } from "./Ours.ts"
import type { Sandbox } from "./Sandbox.ts"
import type { UserPool } from "./Users.ts"

/** What every scenario needs: both sides, the meters, fresh users, and the settings of the run. */
export interface BenchContext {
  readonly sandbox: Sandbox
  readonly ours: Ours
  readonly baseline: SeedService
  readonly meter: Meter
  readonly latencyMs: number
  /** The baseline runs on at most this many members; larger sizes are extrapolated. */
  readonly cap: number
  readonly runBaseline: boolean
  readonly runId: string
  readonly domain: string
  readonly freshOurs: UserPool
  readonly freshBaseline: UserPool
  /** Runs setup work (not measured) with the sandbox at zero latency and no throttle, then restores them. */
  readonly fastSetup: <A>(fn: () => Promise<A>) => Promise<A>
  readonly log: (line: string) => void
}

export const ok = (status: number) => status >= 200 && status < 300

/** Addresses our API reported as not applied (`failedMembers` on create, `failed` on member changes). */
export const failedIn = (res: { text: string }): number => {
  try {
    const body = JSON.parse(res.text) as { failedMembers?: Array<unknown>; failed?: Array<unknown> }
    return (body.failedMembers ?? body.failed ?? []).length
  } catch {
    return 0
  }
}

// Setup ranges of generated users, far above what the fresh pools hand out (see run.ts).
export const SETUP_ADD_DL = 40_001
export const SETUP_GET_DL = 45_001

/**
 * The first user owns the DL and the rest are sent as `memberEmails`; with OWNERS_AS_MEMBERS (the seed's
 * default) the DL ends with exactly `users` as members, and the request carries `users.length` addresses
 * (so 10,000 fits the 10,000-addresses-per-request bound).
 */
export const split = (users: ReadonlyArray<string>) => ({ owner: users[0]!, members: users.slice(1), all: users })
