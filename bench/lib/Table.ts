/** A plain-text table: the first row is the header; numbers are right-aligned, text left-aligned. */
export type Cell = string | number | null | undefined

export const formatCell = (cell: Cell): string => {
  if (cell === null || cell === undefined) return "–"
  if (typeof cell === "string") return cell
  if (!Number.isFinite(cell)) return "–"
  if (Number.isInteger(cell)) return cell.toLocaleString("en-US")
  const abs = Math.abs(cell)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return cell.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export const formatTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>): string => {
  const text = rows.map((row) => header.map((_, i) => formatCell(row[i])))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number" || row[i] == null))
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>, alignRight: ReadonlyArray<boolean>) =>
    "| " + cells.map((c, i) => (alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ") + " |"
  const rule = "|" + widths.map((w, i) => (numeric[i] ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|"
  return [line(header, header.map(() => false)), rule, ...text.map((row) => line(row, numeric))].join("\n")
}

/** ours ÷ baseline, or null when either side is missing or the baseline is zero. */
export const ratio = (ours: number | null | undefined, baseline: number | null | undefined): number | null =>
  ours == null || baseline == null || !Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0
    ? null
    : ours / baseline
