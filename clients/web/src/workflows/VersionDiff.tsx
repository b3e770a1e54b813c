import { diffLines } from "diff";

/** A row of a side-by-side diff: a line on either side or both. */
export interface DiffRow {
  left?: string;
  right?: string;
  kind: "same" | "removed" | "added" | "changed";
}

/** The rows of a side-by-side diff: a removed run beside the added run that replaces it. */
export function diffRows(left: string, right: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: string[] = [];
  const flush = () => {
    removed.forEach((line) => rows.push({ left: line, kind: "removed" }));
    removed = [];
  };
  for (const part of diffLines(left, right)) {
    const lines = part.value.replace(/\n$/, "").split("\n");
    if (part.removed) {
      flush();
      removed = lines;
    } else if (part.added) {
      lines.forEach((line, i) =>
        rows.push(i < removed.length ? { left: removed[i], right: line, kind: "changed" } : { right: line, kind: "added" }),
      );
      removed = removed.slice(lines.length);
      flush();
    } else {
      flush();
      lines.forEach((line) => rows.push({ left: line, right: line, kind: "same" }));
    }
  }
  flush();
  return rows;
}

/** Two texts side by side: removed lines on the left, added on the right, the rest on both. */
export function VersionDiff(props: { left: string; right: string; leftTitle: string; rightTitle: string }) {
  const rows = diffRows(props.left, props.right);
  return (
    <table className="diff" aria-label={`Diff of ${props.leftTitle} and ${props.rightTitle}`}>
      <thead>
        <tr>
          <th scope="col">{props.leftTitle}</th>
          <th scope="col">{props.rightTitle}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} className={row.kind}>
            <td>
              <pre>{row.left === undefined ? "" : `${row.kind === "same" ? " " : "-"} ${row.left}`}</pre>
            </td>
            <td>
              <pre>{row.right === undefined ? "" : `${row.kind === "same" ? " " : "+"} ${row.right}`}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
