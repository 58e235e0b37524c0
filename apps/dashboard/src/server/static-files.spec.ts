import { join } from "node:path";
import { defaultUiDir, staticFileOf } from "./static-files.js";

describe("staticFileOf", () => {
  const ui = "/srv/ui";
  it("maps / to index.html and other paths under the UI directory", () => {
    expect(staticFileOf(ui, "/")).toBe("/srv/ui/index.html");
    expect(staticFileOf(ui, "/assets/index-abc.js")).toBe("/srv/ui/assets/index-abc.js");
    expect(staticFileOf(ui, "/a%20b.css")).toBe("/srv/ui/a b.css");
  });

  it("never leaves the UI directory", () => {
    for (const path of ["/../package.json", "/assets/../../x", "/%2e%2e/package.json", "/..%2fpackage.json", "/..%5cx", "/a%00b", "/%zz"]) {
      expect(staticFileOf(ui, path)).toBeUndefined();
    }
    expect(staticFileOf(ui, "/assets/../index.html")).toBe("/srv/ui/index.html");
  });

  it("defaults to the package's dist/ui", () => {
    expect(defaultUiDir.replace(/\/$/, "")).toBe(join(import.meta.dirname ?? "", "..", "..", "dist", "ui"));
  });
});
