import { classify, type ExchangeCommandError } from "../exchange/CommandErrors.ts"
import { retryAfterMillis } from "./Wire.ts"

/**
 * Classifies one failed InvokeCommand (a whole response, or one `$batch` item): the body as every
 * transport reads it (`../exchange/CommandErrors.ts`), plus what only HTTP carries (`Retry-After`,
 * `x-ExceptionType`).
 */
export const commandError = (input: {
  readonly cmdlet: string
  readonly status: number
  readonly body: unknown
  readonly rawText: string
  readonly retryAfter: string | undefined
  readonly exceptionHeader: string | undefined
  readonly nowMillis: number
}): ExchangeCommandError =>
  classify({
    cmdlet: input.cmdlet,
    status: input.status,
    body: input.body,
    rawText: input.rawText,
    exceptionHeader: input.exceptionHeader,
    retryAfterMillis: retryAfterMillis(input.retryAfter, input.nowMillis)
  })
