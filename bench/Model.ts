import type { Calls } from "./Sandbox.ts"

/** One side (ours or the baseline) of a scenario, as measured or extrapolated. */
export interface Side {
  readonly wallMs: number
  readonly roundTrips: number
  readonly calls: Calls
  /** 429s the sandbox answered during the window (seen by the counting proxy), absorbed or not. */
  readonly throttled: number
  /** Time with an upstream call in flight; wall − this = time spent with nothing upstream (our own work, or waits). */
  readonly upstreamBusyMs?: number
  /** Mean duration of one upstream call (injected latency + the sandbox's own work). */
  readonly upstreamMeanMs?: number
  /** What the caller saw, e.g. "201" or "200 (3 failed)"; for many requests, a status histogram. */
  readonly outcome: string
  /** The DL's state afterwards, read from Exchange: "exact (1,000)" or what is off. */
  readonly state?: string
  readonly stateOk?: boolean
  /** Set when the side was not run whole, e.g. "measured on 100, ×10". */
  readonly extrapolated?: string
  readonly throughputPerS?: number
  readonly p50Ms?: number
  readonly p99Ms?: number
  /** Every caller-visible answer was a success (no 429 or 5xx surfaced). */
  readonly allSucceeded: boolean
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  ours?: Side
  baseline?: Side
  error?: string
  readonly notes: Array<string>
}

/** An unknown route: the framework's own 404, measured for context (no target). */
export const FLOOR_PATH = "/no-such-route"

/** The 404 lookup of the overhead target: a DL that does not exist. */
export const LOOKUP_PATH = "/api/dl/does-not-exist"

/** The `reference` of the row measured on bench/HttpApiFloor.ts instead of the service (no target). */
export const HTTPAPI_FLOOR = "minimal HttpApi service"

/** The `reference`s of the rows measured on bench/HandWrittenFloor.ts, by how it logs (no target). */
export const HAND_WRITTEN_FLOOR = "hand-written node:http path, cached not-found, access log"
export const HAND_WRITTEN_FLOOR_BATCHED_LOG = "hand-written node:http path, cached not-found, batched hand-built log line"
export const HAND_WRITTEN_FLOOR_NO_LOG = "hand-written node:http path, cached not-found, no access log"

/** The `reference` of the row measured on the service with its not-found cache off (no target). */
export const UNCACHED_LOOKUP = "service, NOT_FOUND_CACHE_TTL_S=0"

/** What each reference server is, for the report. */
export const referenceNotes: Readonly<Record<string, string>> = {
  [UNCACHED_LOOKUP]: "every lookup asks Exchange (two calls to the in-process sandbox)",
  [HTTPAPI_FLOOR]: "bench/HttpApiFloor.ts: API-key middleware, handler fails 404 at once",
  [HAND_WRITTEN_FLOOR]: "bench/HandWrittenFloor.ts: no framework, the service's key check, limiter, headers and log line, no upstream call",
  [HAND_WRITTEN_FLOOR_BATCHED_LOG]: "bench/HandWrittenFloor.ts with ACCESS_LOG=batched",
  [HAND_WRITTEN_FLOOR_NO_LOG]: "bench/HandWrittenFloor.ts with ACCESS_LOG=none"
}

export interface OverheadRow {
  readonly path: string
  /** Set when the row measured a reference server, not the service: such rows have no target. */
  readonly reference?: string
  readonly bareRps: number
  readonly oursRps: number
  readonly ratio: number
  readonly oursStatuses: Record<string, number>
  readonly bareStatuses: Record<string, number>
}

export interface OverheadResult {
  readonly connections: number
  readonly durationMs: number
  readonly mode: string
  readonly rows: ReadonlyArray<OverheadRow>
  error?: string
}

export interface ColdStartResult {
  readonly samplesMs: ReadonlyArray<number>
  readonly medianMs: number
  error?: string
}

export interface MemoryResult {
  readonly members: number
  readonly returned: number
  readonly complete: boolean
  readonly status: number
  readonly wallMs: number
  /** Resident set just before the GET (VmRSS), and the peak so far (VmHWM, includes start-up). */
  readonly rssBeforeMiB: number
  readonly hwmBeforeMiB: number
  readonly hwmAfterMiB: number
  readonly bytes: number
  error?: string
}

export interface Target {
  readonly name: string
  readonly measured: string
  readonly limit: string
  readonly pass: boolean | undefined
}

export interface BenchReport {
  readonly startedAt: string
  readonly config: Record<string, unknown>
  readonly scenarios: Array<ScenarioResult>
  overhead?: OverheadResult
  coldStart?: ColdStartResult
  memory?: MemoryResult
  targets: Array<Target>
  readonly problems: Array<string>
}
