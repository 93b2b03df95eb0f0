/**
 * The seed's retry policies (Tenacity): `stop_after_attempt(n)` with
 * `wait_exponential(multiplier=1, min, max)`, which waits max(min, min(2^(attempt-1), max)) seconds
 * after the given failed attempt. Tenacity does not read Retry-After, so neither does the baseline.
 */
export interface RetryPolicy {
  readonly attempts: number
  readonly minSeconds: number
  readonly maxSeconds: number
}

/** Verification of a fresh DL: 6 attempts, 5–30 s (seed: "Verification Retries"). */
export const verifyPolicy: RetryPolicy = { attempts: 6, minSeconds: 5, maxSeconds: 30 }

/** Member operations: 5 attempts, 2–20 s, on NotFoundError and TransientError (seed: "Member Operation Retries"). */
export const memberPolicy: RetryPolicy = { attempts: 5, minSeconds: 2, maxSeconds: 20 }

export const waitSeconds = (policy: RetryPolicy, failedAttempt: number): number =>
  Math.max(policy.minSeconds, Math.min(2 ** (failedAttempt - 1), policy.maxSeconds))

export interface RetryReport {
  readonly attempts: number
  readonly waitedMs: number
}

/**
 * Runs `attempt` until it succeeds, fails with an error `retryable` rejects, or the attempts run out
 * (then the last error is thrown). `sleep` is injected so tests never sleep for real.
 */
export const retrying = async <A>(
  policy: RetryPolicy,
  retryable: (error: unknown) => boolean,
  attempt: () => Promise<A>,
  sleep: (ms: number) => Promise<void>,
  report?: (r: RetryReport) => void
): Promise<A> => {
  let waitedMs = 0
  for (let n = 1; ; n++) {
    try {
      const value = await attempt()
      report?.({ attempts: n, waitedMs })
      return value
    } catch (error) {
      if (n >= policy.attempts || !retryable(error)) {
        report?.({ attempts: n, waitedMs })
        throw error
      }
      const ms = waitSeconds(policy, n) * 1000
      waitedMs += ms
      await sleep(ms)
    }
  }
}
