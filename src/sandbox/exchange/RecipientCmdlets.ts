import type { Recipient } from "../tenant/Objects.ts"
import { isVisible } from "../tenant/Objects.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import { isExchangeError, resolveRecipient } from "./Identity.ts"
import type { Invocation } from "./Invocation.ts"
import { recipientTypeDetails } from "./Output.ts"

export interface GetRecipient {
  readonly identity?: string | undefined
  readonly anr?: string | undefined
  readonly recipientType?: ReadonlyArray<string> | undefined
  readonly recipientTypeDetails?: ReadonlyArray<string> | undefined
}

/** Get-Recipient: mailbox users (once Exchange sees them) and visible groups, users first. */
export const getRecipient = (invocation: Invocation, input: GetRecipient): Iterable<Recipient> | ExchangeError => {
  const { state, now } = invocation
  if (input.identity !== undefined) {
    const recipient = resolveRecipient(state, input.identity, now)
    // For its own -Identity, Get-Recipient reports the generic not-found (spec §5.2, Ex6F9304).
    if (isExchangeError(recipient)) return recipient.errorId === "Ex94914C" ? Errors.groupNotFound(input.identity) : recipient
    return [recipient]
  }
  const types = [...(input.recipientType ?? []), ...(input.recipientTypeDetails ?? [])].map((t) => t.toLowerCase())
  const anr = input.anr?.toLowerCase()
  const keep = (recipient: Recipient) => {
    if (types.length > 0 && !types.includes(recipientTypeDetails(recipient).toLowerCase())) return false
    if (anr === undefined) return true
    const values = recipient._tag === "User"
      ? [recipient.user.alias, recipient.user.displayName, recipient.user.mail ?? "", recipient.user.userPrincipalName]
      : [recipient.group.name, recipient.group.alias, recipient.group.displayName, recipient.group.primarySmtpAddress]
    return values.some((value) => value.toLowerCase().startsWith(anr))
  }
  return (function*() {
    for (const user of state.allUsers()) {
      const recipient: Recipient = { _tag: "User", user }
      if (user.mail !== null && now >= user.exchangeVisibleAt && keep(recipient)) yield recipient
    }
    for (const group of state.allGroups()) {
      const recipient: Recipient = { _tag: "Group", group }
      if (isVisible(group, now) && keep(recipient)) yield recipient
    }
  })()
}
