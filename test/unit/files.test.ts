// File names and MIME types (src/bridge/files.ts): marketplaces derive a sent file's type from
// its name, so every name the bridge hands them must end in a real extension.
import { describe, expect, it } from "vitest";
import { effectiveMime, extensionOf, withExtension } from "../../src/bridge/files.ts";

describe("extensionOf", () => {
  it.each([
    ["invoice.pdf", "pdf"],
    ["Scan 12.JPG", "jpg"],
    ["archive.tar.gz", "gz"],
    ["clip.mp4", "mp4"],
    ["Договор поставки.docx", "docx"],
  ])("reads %j as %j (lower case, without the dot)", (name, extension) => {
    expect(extensionOf(name)).toBe(extension);
  });

  it.each([
    ["photo", "no dot"],
    ["Фото от 12.05", "digits only after the dot"],
    [".bashrc", "a leading dot"],
    ["file.", "nothing after the dot"],
    ["report.verylongext", "more than 8 characters"],
    ["Акт.сверки", "not latin letters or digits"],
    ["notes.txt ", "a trailing space"],
    ["", "an empty name"],
  ])("finds none in %j (%s)", (name) => {
    expect(extensionOf(name)).toBeUndefined();
  });
});

describe("withExtension", () => {
  it.each([
    ["invoice.pdf", "application/pdf"],
    ["scan.png", "image/jpeg"],
    ["data.JSON", "application/octet-stream"],
  ])("keeps %j as it is when it has an extension (MIME %j)", (name, mime) => {
    expect(withExtension(name, mime)).toBe(name);
  });

  it.each([
    ["image/jpeg", "photo.jpg"],
    ["image/png", "photo.png"],
    ["application/pdf", "photo.pdf"],
    ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "photo.docx"],
    ["video/mp4", "photo.mp4"],
  ])("adds the extension of %j to a name without one", (mime, expected) => {
    expect(withExtension("photo", mime)).toBe(expected);
  });

  it.each([
    ["IMAGE/PNG", "scan.png"],
    ["Application/PDF", "scan.pdf"],
    ["text/plain; charset=utf-8", "scan.txt"],
    ["Text/Plain;Charset=UTF-8", "scan.txt"],
    ["image/jpeg ; quality=high", "scan.jpg"],
  ])("reads %j whatever its case and parameters", (mime, expected) => {
    expect(withExtension("scan", mime)).toBe(expected);
  });

  it.each([
    ["application/x-nobody-knows"],
    ["application/octet-stream"],
    ["not a mime type"],
    [""],
  ])('falls back to "bin" for %j', (mime) => {
    expect(withExtension("scan", mime)).toBe("scan.bin");
  });

  it("adds to a name whose dotted tail is not an extension", () => {
    expect(withExtension("Фото от 12.05", "image/jpeg")).toBe("Фото от 12.05.jpg");
    expect(withExtension(".profile", "text/plain")).toBe(".profile.txt");
  });
});

describe("effectiveMime", () => {
  it("takes the server's type when it is a specific one, even against the name", () => {
    expect(effectiveMime("image/png", "photo.jpg")).toBe("image/png");
    expect(effectiveMime("application/pdf", "noext")).toBe("application/pdf");
  });

  it.each([
    [undefined],
    [""],
    ["application/octet-stream"],
    ["binary/octet-stream"],
    ["application/binary"],
    ["application/unknown"],
    ["application/force-download"],
  ])("guesses from the name's extension when the server says %j", (serverMime) => {
    expect(effectiveMime(serverMime, "Счёт.PDF")).toBe("application/pdf");
    expect(effectiveMime(serverMime, "scan.jpg")).toBe("image/jpeg");
    expect(effectiveMime(serverMime, "report.docx")).toBe(
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    );
  });

  it("is application/octet-stream when neither the server nor the name says more", () => {
    expect(effectiveMime(undefined, "noext")).toBe("application/octet-stream");
    expect(effectiveMime("application/octet-stream", "data.nobodyknows")).toBe(
      "application/octet-stream",
    );
    expect(effectiveMime("", "Фото от 12.05")).toBe("application/octet-stream");
  });

  it("agrees with withExtension: a guessed type gives the name back unchanged", () => {
    const name = "contract.pdf";
    expect(withExtension(name, effectiveMime(undefined, name))).toBe(name);
    const bare = "contract";
    expect(withExtension(bare, effectiveMime("application/pdf", bare))).toBe("contract.pdf");
  });
});
