import { Effect } from "effect"
import {
  GroupAlreadyExists,
  GroupNotFound,
  type GroupStoreError,
  RecipientNotFound
} from "../../application/ports/GroupStore.ts"
import { Failed, Transient, UpstreamError } from "../../application/ports/UpstreamError.ts"
import { defaults } from "../../sandbox/Config.ts"
import { invokeCmdlet } from "../../sandbox/exchange/Cmdlets.ts"
import type { ExchangeError } from "../../sandbox/exchange/ExchangeError.ts"
import { guidSource } from "../../sandbox/exchange/Invocation.ts"
import type { Json } from "../../sandbox/exchange/Output.ts"
import { takePage } from "../../sandbox/exchange/Paging.ts"
import { Behaviour, type SandboxFault } from "../../sandbox/tenant/Behaviour.ts"
import type { TenantModel } from "../../sandbox/tenant/TenantModel.ts"

/** The app the memory adapters act as: app-only, so writes need BypassSecurityGroupManagerCheck, as in production. */
export const MEMORY_APP_ID = "00000000-0000-0000-0000-00000000a11c"

/** What the Microsoft adapter sees on the wire, without the wire: a cmdlet's output or its Exchange error. */
export type CmdletRun =
  | { readonly _tag: "Ok"; readonly value: ReadonlyArray<Json> }
  | { readonly _tag: "Failed"; readonly error: ExchangeError }

export const faultToUpstream = (operation: string, fault: SandboxFault): UpstreamError =>
  new UpstreamError({
    operation,
    reason: new Transient({
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
  const run = (cmdlet: string, parameters: Record<string, unknown>): Effect.Effect<CmdletRun, UpstreamError> =>
    Effect.gen(function*() {
      const knobs = yield* behaviour.knobs
      const newGuid = yield* guidSource
      return yield* tenant.transact((state, now): CmdletRun | string => {
        const invocation = {
          state, now, caller: { appId: MEMORY_APP_ID }, organization: defaults.tenantDomain,
          replicationDelayMillis: knobs.replicationDelayMillis, newGuid
        }
        const outcome = invokeCmdlet(invocation, cmdlet, parameters)
        if (outcome._tag === "UnknownCmdlet") return `unknown cmdlet ${cmdlet}`
        if (outcome._tag === "ExchangeError") return { _tag: "Failed", error: outcome }
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

const typeName = (error: ExchangeError) => error.exceptionType.split(".").at(-1) ?? ""

/** Exchange errors as the Microsoft adapter classifies them (ErrorId first, then exception type). */
export const errorKind = (error: ExchangeError) => {
  const type = typeName(error)
  if (error.errorId === "Ex9E65A2" || error.errorId === "Ex8155FB" || type === "ManagementObjectAmbiguousException") {
    return "Failed" as const
  }
  if (error.errorId === "Ex94914C") return "RecipientNotFound" as const
  if (error.errorId === "Ex6F9304" || type === "ManagementObjectNotFoundException") return "GroupNotFound" as const
  if (type === "MemberAlreadyExistsException") return "AlreadyMember" as const
  if (type === "MemberNotFoundException") return "NotMember" as const
  if (type === "ProxyAddressExistsException" || type === "ADObjectAlreadyExistsException") return "AlreadyExists" as const
  return "Failed" as const
}

/** The port error for an Exchange error; `member` is the address in play for member cmdlets. */
export const toPortError = (
  cmdlet: string,
  error: ExchangeError,
  context: { readonly identity: string; readonly member?: string | undefined }
): GroupStoreError => {
  switch (errorKind(error)) {
    case "GroupNotFound":
      return new GroupNotFound({ identity: context.identity })
    case "RecipientNotFound":
      return new RecipientNotFound({ address: context.member ?? /Couldn't find object "([^"]+)"/.exec(error.text)?.[1] ?? "" })
    case "AlreadyExists":
      return new GroupAlreadyExists({ identity: context.identity, detail: typeName(error) })
    default:
      return new UpstreamError({
        operation: cmdlet,
        reason: new Failed({ detail: `${cmdlet} failed with HTTP ${error.httpStatus} (${[error.errorId, typeName(error)].filter((p) => p).join(" ")})` })
      })
  }
}
