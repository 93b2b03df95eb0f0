import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"

/**
 * `X-AnchorMailbox` (spec §1.4): `UPN:<upn>`, `SMTP:<address>`, `APP:SystemMailbox{…}@<tenant>`, and the
 * module's `MBX:<guid>@<org>`. Whether Exchange requires it is a conflict in the sources (§8.1); the
 * spec recommends requiring it, so the sandbox does, with a message that says how to fix the call.
 * The mailbox named is not looked up (real routing only picks a backend with it).
 */
const ANCHOR = /^(UPN|SMTP|APP|MBX):[^\s@]+@[^\s@]+$/i

const HOW =
  "Send 'UPN:<admin UPN>', 'SMTP:<mailbox address>' or 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@<tenant>' (spec exchange-admin-rest.md §1.4)."

export const checkAnchor = (value: string | undefined): ExchangeError | undefined => {
  if (value === undefined || value.trim() === "") {
    return Errors.badRequest(`The X-AnchorMailbox header is required by this sandbox tenant. ${HOW}`)
  }
  return ANCHOR.test(value.trim())
    ? undefined
    : Errors.badRequest(`The X-AnchorMailbox header "${value.slice(0, 200)}" is not in a recognised form. ${HOW}`)
}
