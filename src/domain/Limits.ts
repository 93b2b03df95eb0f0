// spec: peers-and-limits.md §3 "Limits and validation"; microsoft-docs/New-DistributionGroup.md

/** Exchange `Alias` and `Name`: at most 64 characters. */
export const MAX_ALIAS_LENGTH = 64

/** Exchange `DisplayName`: at most 256 characters. */
export const MAX_DISPLAY_NAME_LENGTH = 256

/** `-Members` on New-DistributionGroup and Update-DistributionGroupMember: at most 10,000 entries per command. */
export const MAX_MEMBERS_PER_COMMAND = 10_000

/**
 * Our own bound on the addresses in one list of one API request (`ownerEmails`, `memberEmails`): per list,
 * so that a full 10,000-member list can be created together with its owners.
 */
export const MAX_ADDRESSES_PER_REQUEST = 10_000
