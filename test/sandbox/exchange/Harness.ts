import { Effect } from "effect"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { type CmdletOutcome, invokeCmdlet } from "../../../src/sandbox/exchange/Cmdlets.ts"
import { type Caller, guidSource } from "../../../src/sandbox/exchange/Invocation.ts"
import type { Json } from "../../../src/sandbox/exchange/Output.ts"
import * as Paging from "../../../src/sandbox/exchange/Paging.ts"

export const ORGANIZATION = "contososandbox.onmicrosoft.com"
export const APP: Caller = { appId: "7c2e4d1a-5b3f-4a6e-9d8c-1f0e2a3b4c5d" }

export type Ran =
  | { readonly _tag: "Ok"; readonly value: ReadonlyArray<Json>; readonly warnings: ReadonlyArray<string>; readonly confirmation?: string | undefined }
  | Exclude<CmdletOutcome, { _tag: "CmdletResult" }>

/** Runs one cmdlet on the model, all results (ResultSize respected), as the face would without paging. */
export const cmdlet = (name: string, parameters: Record<string, unknown> = {}, caller: Caller = APP) =>
  Effect.gen(function*() {
    const tenant = yield* TenantModel
    const knobs = yield* Behaviour.use((b) => b.knobs)
    const newGuid = yield* guidSource
    return yield* tenant.transact((state, now): Ran => {
      const outcome = invokeCmdlet(
        { state, now, caller, organization: ORGANIZATION, replicationDelayMillis: knobs.replicationDelayMillis, newGuid },
        name,
        parameters
      )
      if (outcome._tag !== "CmdletResult") return outcome
      const page = Paging.takePage(outcome.objects, outcome.resultSize, 0, Number.MAX_SAFE_INTEGER)
      return {
        _tag: "Ok",
        value: page.objects,
        warnings: page.truncated ? [...outcome.warnings, Paging.TRUNCATION_WARNING] : outcome.warnings,
        confirmation: outcome.confirmationMessage
      }
    })
  })

export const ok = (ran: Ran) => {
  if (ran._tag !== "Ok") throw new Error(`expected success, got ${JSON.stringify(ran)}`)
  return ran
}

export const failed = (ran: Ran) => {
  if (ran._tag !== "ExchangeError") throw new Error(`expected an Exchange error, got ${JSON.stringify(ran).slice(0, 300)}`)
  return ran
}

/** `ErrorId|Type|text` as `details[0].message` carries it (spec §5.1). */
export const detailsMessage = (ran: Ran) => {
  const error = failed(ran)
  return `${error.errorId}|${error.exceptionType}|${error.text}`
}

export const bypass = { BypassSecurityGroupManagerCheck: true }
