import { describe, expect, it } from "vitest";
import { parseOzonMarkdown } from "../../src/providers/ozon/markdown.ts";

const API = "https://api-seller.ozon.ru";
const parse = (markdown: string, isImage = false) => parseOzonMarkdown(markdown, API, isImage);

describe("parseOzonMarkdown", () => {
  it("turns an image link into an image attachment and removes it", () => {
    const url = `${API}/v2/chat/file/messenger/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.jpg`;
    expect(parse(`![](${url})`)).toEqual({
      text: "",
      attachments: [{ url, name: "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.jpg", kind: "image" }],
    });
  });

  it("names a file after its link text without the size suffix", () => {
    const url = `${API}/v2/chat/file/abc/uuid-1.pdf`;
    const parsed = parse(`Вот чек: [Чек_покупки.pdf (12 KB)](${url}) спасибо`);
    expect(parsed.text).toBe("Вот чек: спасибо");
    expect(parsed.attachments).toEqual([
      { url, name: "Чек_покупки.pdf", kind: "file", size: 12 * 1024 },
    ]);
  });

  it("keeps the URL's extension when the link text has none", () => {
    const url = `${API}/v2/chat/file/messenger-rotated-3/image.png`;
    const parsed = parse(`[Скриншот от 12.05 (1,5 МБ)](${url})`);
    expect(parsed.attachments[0]).toMatchObject({
      name: "Скриншот от 12.05.png",
      size: 1_572_864,
    });
  });

  it("decodes a percent-encoded Cyrillic file name from the URL", () => {
    const url = `${API}/v2/chat/file/x/%D1%84%D0%BE%D1%82%D0%BE.jpeg`;
    expect(parse(`![](${url})`).attachments[0]?.name).toBe("фото.jpeg");
  });

  it("marks link attachments as images when the message says is_image", () => {
    const url = `${API}/v2/chat/file/x/photo.jpg`;
    expect(parse(`[photo.jpg (80 KB)](${url})`, true).attachments[0]?.kind).toBe("image");
  });

  it("unescapes Markdown escapes in text and link labels", () => {
    const url = `${API}/v2/chat/file/x/a.txt`;
    const parsed = parse(
      `Цена 5\\*2 \\_без\\_ скидки \\[1\\] [file\\_\\(v2\\).txt (1 KB)](${url})`,
    );
    expect(parsed.text).toBe("Цена 5*2 _без_ скидки [1]");
    expect(parsed.attachments[0]?.name).toBe("file_(v2).txt");
  });

  it("keeps ordinary links as readable text", () => {
    const parsed = parse(
      "Подойдет ли он на данную [ модель ](https://www.ozon.ru/product/smartfon-123) телефона?",
    );
    expect(parsed).toEqual({
      text: "Подойдет ли он на данную модель (https://www.ozon.ru/product/smartfon-123) телефона?",
      attachments: [],
    });
  });

  it("prints a link whose label is its URL once", () => {
    expect(parse("[https://ozon.ru](https://ozon.ru)").text).toBe("https://ozon.ru");
  });

  it("does not take files from another host or path as attachments", () => {
    const parsed = parse(
      "![](https://evil.test/v2/chat/file/x.jpg) [doc](https://api-seller.ozon.ru/v1/other/x.pdf)",
    );
    expect(parsed.attachments).toEqual([]);
    expect(parsed.text).toBe(
      "https://evil.test/v2/chat/file/x.jpg doc (https://api-seller.ozon.ru/v1/other/x.pdf)",
    );
  });

  it("tidies lines left empty by removed attachments", () => {
    const a = `${API}/v2/chat/file/a.jpg`;
    const b = `${API}/v2/chat/file/b.jpg`;
    const parsed = parse(`Фото:\n![](${a}) ![](${b})\n\n\nВсё`);
    expect(parsed.text).toBe("Фото:\n\nВсё");
    expect(parsed.attachments.map((x) => x.name)).toEqual(["a.jpg", "b.jpg"]);
  });
});
