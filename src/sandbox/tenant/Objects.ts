/**
 * The sandbox tenant's directory objects. One record per object, shared by every face:
 * what Exchange writes, Graph reads.
 */

/** A mailbox user (Exchange `UserMailbox`), or a plain directory user when `mail` is null (Exchange `User`). */
export interface User {
  /** Entra object id (Graph `id`, Exchange `ExternalDirectoryObjectId`), lower-case GUID. */
  readonly id: string
  /** Exchange mailbox Guid (distinct from the object id, as in a real tenant). */
  readonly exchangeGuid: string
  readonly userPrincipalName: string
  readonly mail: string | null
  readonly displayName: string
  /** Exchange Alias / Graph `mailNickname`. */
  readonly alias: string
  /**
   * Exchange `Name` (also its `Identity`, the common name of its DN, and what a group's `ManagedBy` shows):
   * the object id for recipients made since Exchange Online's 2022-23 naming change, a legacy name for
   * older ones (docs/sandbox.md, "Users").
   */
  readonly exchangeName: string
  /** Prefix-tagged: `SMTP:` primary, `smtp:` secondary. Empty when the user has no mailbox. */
  readonly proxyAddresses: ReadonlyArray<string>
  readonly createdAt: number
  /** Exchange does not see a user before this time (spec: exchange-admin-rest.md §7, Graph-created users). */
  readonly exchangeVisibleAt: number
}

export type MemberRestriction = "Open" | "Closed" | "ApprovalRequired"

export type GroupKind = "MailUniversalDistributionGroup" | "MailUniversalSecurityGroup"

/** A mail-enabled universal group: a distribution list, or (`Type Security`) a mail-enabled security group. */
export interface Group {
  /** Exchange `Guid` (our `DistributionList.identity`). */
  readonly guid: string
  /** Entra object id (Graph group `id`). */
  readonly externalDirectoryObjectId: string
  /** Exchange `RecipientTypeDetails`; Graph shows a security group with `securityEnabled` true. */
  readonly kind: GroupKind
  name: string
  alias: string
  displayName: string
  primarySmtpAddress: string
  /** Prefix-tagged proxy addresses; exactly one `SMTP:` entry, equal to primarySmtpAddress. */
  emailAddresses: Array<string>
  /** Owner object ids (users' `id`), in order. */
  managedBy: Array<string>
  /** Member object ids (user ids or group external ids); a Set keeps insertion order and O(1) lookups. */
  readonly members: Set<string>
  requireSenderAuthenticationEnabled: boolean
  memberJoinRestriction: MemberRestriction
  memberDepartRestriction: MemberRestriction
  hiddenFromAddressListsEnabled: boolean
  /** Other settable cmdlet properties the sandbox stores but does not interpret (Notes, CustomAttribute1 ...). */
  readonly extra: Map<string, unknown>
  readonly whenCreated: number
  whenChanged: number
  /** Reads do not see the group before this time (replication delay). */
  readonly visibleAt: number
}

export type Recipient =
  | { readonly _tag: "User"; readonly user: User }
  | { readonly _tag: "Group"; readonly group: Group }

/** The object id of a recipient as Exchange's `ExternalDirectoryObjectId` shows it. */
export const recipientId = (recipient: Recipient): string =>
  recipient._tag === "User" ? recipient.user.id : recipient.group.externalDirectoryObjectId

export const isVisible = (group: Group, now: number): boolean => now >= group.visibleAt

/** Strips an `smtp:`-style prefix and lower-cases, for address comparisons. */
export const addressKey = (address: string): string => {
  const trimmed = address.trim()
  return (/^smtp:/i.test(trimmed) ? trimmed.slice(5) : trimmed).toLowerCase()
}

/** Bare address of a prefix-tagged proxy address, or undefined for non-SMTP (`SIP:`, `X500:` ...). */
export const smtpOf = (proxy: string): string | undefined => /^smtp:/i.test(proxy) ? proxy.slice(5) : undefined

/** A GUID from four random 32-bit words (lower-case, version 4 layout). */
export const guidFromWords = (words: readonly [number, number, number, number]): string => {
  const hex = words.map((w) => (w >>> 0).toString(16).padStart(8, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${
    ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  }${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A stable GUID derived from a string (cyrb128 hash), so demo ids survive restarts. */
export const guidFromString = (input: string): string => {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762
  for (let i = 0; i < input.length; i++) {
    const k = input.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  return guidFromWords([h1 ^ h2 ^ h3 ^ h4, h2 ^ h1, h3 ^ h1, h4 ^ h1])
}

export const isGuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
