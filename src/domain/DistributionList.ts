/**
 * A distribution list as Exchange Online stores it; owners are directory object ids (Exchange `ManagedBy`),
 * except a legacy Exchange name the store could not resolve to one.
 */
export interface DistributionList {
  readonly identity: string
  readonly name: string
  readonly alias: string
  readonly displayName: string
  readonly primarySmtpAddress: string
  readonly ownerIds: ReadonlyArray<string>
  readonly requireSenderAuthenticationEnabled: boolean
}

/** A user of the tenant's directory (Microsoft Graph `user`). */
export interface DirectoryUser {
  readonly id: string
  readonly userPrincipalName: string
  readonly mail: string | null
  readonly displayName: string
}

/** The address we show and send for a user: its mail, else its UPN. */
export const userAddress = (user: DirectoryUser): string => user.mail ?? user.userPrincipalName
