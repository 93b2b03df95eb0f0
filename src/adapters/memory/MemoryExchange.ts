import { Effect } from "effect"
import { Failed, Transient, UpstreamError } from "../../application/ports/UpstreamError.ts"
import { defaults } from "../../sandbox/Config.ts"
import { invokeCmdlet } from "../../sandbox/exchange/Cmdlets.ts"
import { failure, failureHeaders } from "../../sandbox/exchange/Envelope.ts"
import type { ExchangeError } from "../../sandbox/exchange/ExchangeError.ts"
import { guidSource } from "../../sandbox/exchange/Invocation.ts"
import { takePage } from "../../sandbox/exchange/Paging.ts"
import { Behaviour, type SandboxFault } from "../../sandbox/tenant/Behaviour.ts"
import type { TenantModel } from "../../sandbox/tenant/TenantModel.ts"
import type { Command, CommandResult } from "../exchange/Cmdlets.ts"
import { classify, type ExchangeCommandError } from "../exchange/CommandErrors.ts"

/** The app the memory adapters act as: app-only, so writes need BypassSecurityGroupManagerCheck, as in production. */
export const MEMORY_APP_ID = "00000000-0000-0000-0000-00000000a11c"

/**
 * A sandbox Exchange error classified from the very body and header the emulated REST face would send,
 * so the memory double and the Microsoft adapter read errors alike.
 */
const classified = (cmdlet: string, error: ExchangeError): ExchangeCommandError => {
  const body = failure(error)
  return classify({
    cmdlet,
    status: error.httpStatus,
    body,
    rawText: JSON.stringify(body),
    exceptionHeader: failureHeaders(error)["x-ExceptionType"]
  })
}

export const faultToUpstream = (operation: string, fault: SandboxFault): UpstreamError =>
  new UpstreamError({
    operation,
    reason: new Transient({
      throttled: fault.status === 429,
      status: fault.status,
      ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterMillis: fault.retryAfterSeconds * 1000 })
    })
  })

/** One upstream call: `Behaviour.admit` (latency, throttle, faults), then the cmdlet on the model. */
export const makeInvoker = (tenant: TenantModel["Service"], behaviour: Behaviour["Service"]) => {
  /** Admission for one upstream call (a cmdlet, or a `$batch` of up to 10 in the Microsoft adapter). */
  const admit = (operation: string) =>
    behaviour.admit("exchange", MEMORY_APP_ID).pipe(Effect.mapError((fault) => faultToUpstream(operation, fault)))

  /** Runs one cmdlet without admission (callers admit per call or per batch). */
  const run = ({ cmdlet, parameters }: Command): Effect.Effect<CommandResult, UpstreamError> =>
    Effect.gen(function*() {
      const knobs = yield* behaviour.knobs
      const newGuid = yield* guidSource
      return yield* tenant.transact((state, now): CommandResult | string => {
        const invocation = {
          state, now, caller: { appId: MEMORY_APP_ID }, organization: defaults.tenantDomain,
          replicationDelayMillis: knobs.replicationDelayMillis, newGuid
        }
        const outcome = invokeCmdlet(invocation, cmdlet, parameters)
        if (outcome._tag === "UnknownCmdlet") return `unknown cmdlet ${cmdlet}`
        if (outcome._tag === "ExchangeError") return { _tag: "Error", error: classified(cmdlet, outcome) }
        // The Microsoft adapter follows nextLinks to the end; ResultSize still applies.
        return { _tag: "Ok", value: takePage(outcome.objects, outcome.resultSize, 0, Number.MAX_SAFE_INTEGER).objects }
      }).pipe(
        Effect.flatMap((result) =>
          typeof result === "string"
            ? Effect.fail(new UpstreamError({ operation: cmdlet, reason: new Failed({ detail: result }) }))
            : Effect.succeed(result)
        )
      )
    })

  return { admit, run }
}
