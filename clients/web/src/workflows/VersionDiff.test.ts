import { describe, expect, it } from "vitest";
import { diffRows } from "./VersionDiff.js";

describe("side-by-side diffs", () => {
  it("put a changed line beside the line it replaces", () => {
    const rows = diffRows("a\nb\nc\n", "a\nB\nc\nd\n");
    expect(rows).toEqual([
      { left: "a", right: "a", kind: "same" },
      { left: "b", right: "B", kind: "changed" },
      { left: "c", right: "c", kind: "same" },
      { right: "d", kind: "added" },
    ]);
  });

  it("keep removed lines on the left alone", () => {
    expect(diffRows("a\nb\nc\n", "a\nc\n")).toEqual([
      { left: "a", right: "a", kind: "same" },
      { left: "b", kind: "removed" },
      { left: "c", right: "c", kind: "same" },
    ]);
  });
});
