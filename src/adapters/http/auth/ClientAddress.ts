/**
 * The key a client address counts under for failed authentications: an IPv4 address as it is (also when
 * IPv4-mapped, `::ffff:a.b.c.d`); an IPv6 address by its /64, since one host is usually given a whole /64
 * and could otherwise take a fresh budget (and a fresh counter) per address.
 */
export const addressKey = (address: string): string => {
  const a = address.trim().toLowerCase().split("%")[0]!
  const mapped = /^(?:0{0,4}:){0,5}(?::|0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a)
  if (mapped !== null) return mapped[1]!
  if (!a.includes(":")) return a
  const halves = a.split("::")
  if (halves.length > 2) return a
  const groups = (half: string | undefined) => (half === undefined || half === "" ? [] : half.split(":"))
  // an embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) fills two groups
  const width = (gs: ReadonlyArray<string>) => gs.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0)
  const left = groups(halves[0])
  const right = groups(halves[1])
  const all = halves.length === 2
    ? [...left, ...Array.from({ length: Math.max(0, 8 - width(left) - width(right)) }, () => "0"), ...right]
    : left
  const prefix = all.slice(0, 4)
  if (prefix.length < 4 || prefix.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return a
  return `${prefix.map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`
}
