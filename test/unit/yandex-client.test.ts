// The Yandex connector against a real local HTTP server: the multipart bytes on the wire and
// the parallel limit, which a MockAgent cannot show.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { YandexProvider } from "../../src/providers/yandex/provider.ts";

const API_KEY = "ACMA:I4c4CxCSYaI41RSC2uYWP2qj3Rhhm4knMiBEga5K:151c0664";
const BUSINESS = "4815162342";
const CHAT_INFO = {
  chatId: 7,
  context: { type: "ORDER", orderId: 100500 },
  type: "CHAT",
  status: "NEW",
  createdAt: "2026-07-17T09:00:00+03:00",
  updatedAt: "2026-07-17T10:00:00+03:00",
};

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

let server: Server;
let received: Received[];
let handle: (req: Received, res: ServerResponse) => void;
let yandex: YandexProvider;

beforeEach(async () => {
  received = [];
  handle = (_req, res) => res.end('{"status":"OK"}');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(entry);
      res.setHeader("content-type", "application/json");
      handle(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  yandex = new YandexProvider({
    apiKey: API_KEY,
    businessId: BUSINESS,
    apiUrl: `http://127.0.0.1:${port}`,
    retry: { attempts: 1 },
  });
});

afterEach(async () => {
  await yandex.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("YandexProvider.sendFile on the wire", () => {
  it("posts multipart/form-data with one `file` part carrying the name and bytes", async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]);
    await yandex.sendFile("42", { name: "скриншот", mime: "image/png", bytes });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe(`/v2/businesses/${BUSINESS}/chats/file/send?chatId=42`);
    expect(req?.headers["api-key"]).toBe(API_KEY);
    const type = req?.headers["content-type"] ?? "";
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(type)?.[1];
    expect(boundary).toBeDefined();
    const body = req?.body ?? Buffer.alloc(0);
    const parts = body.toString("latin1").split(`--${boundary}`);
    // preamble "", one part, closing "--\r\n"
    expect(parts).toHaveLength(3);
    const part = Buffer.from(parts[1] ?? "", "latin1");
    const headerEnd = part.indexOf("\r\n\r\n");
    const partHeaders = part.subarray(0, headerEnd).toString("utf8");
    expect(partHeaders).toContain('Content-Disposition: form-data; name="file"');
    // The name got the extension its type implies (the buyer's app goes by it).
    expect(partHeaders).toContain('filename="скриншот.png"');
    expect(partHeaders).toContain("Content-Type: image/png");
    const content = part.subarray(headerEnd + 4, part.length - 2);
    expect(content).toEqual(bytes);
  });

  it("maps an error answer of the upload like any other call", async () => {
    handle = (_req, res) => {
      res.statusCode = 400;
      res.end('{"status":"ERROR","errors":[{"code":"BAD_REQUEST","message":"File too big"}]}');
    };
    const error = await yandex
      .sendFile("42", { name: "a.pdf", mime: "application/pdf", bytes: Buffer.from("%PDF") })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ kind: "invalid", status: 400 });
    expect(String((error as Error).message)).toContain("BAD_REQUEST: File too big");
  });
});

describe("YandexProvider parallel limit", () => {
  it("never has more than 4 requests open at once, uploads included", async () => {
    let active = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    const total = 14;
    const releaseAll = (): void => {
      for (const release of held.splice(0)) release();
    };
    handle = (req, res) => {
      active++;
      peak = Math.max(peak, active);
      res.on("finish", () => active--);
      held.push(() => {
        const result = req.url.includes("/chat?") ? CHAT_INFO : undefined;
        res.end(JSON.stringify(result ? { status: "OK", result } : { status: "OK" }));
      });
      // Hold answers until the limit is reached (or the last request came): a client that
      // kept fewer open would stall here. The short grace lets a fifth request, if the client
      // wrongly sent one, arrive while four are held, so it shows in the peak.
      if (received.length === total) releaseAll();
      else if (held.length === 4) setTimeout(releaseAll, 25);
    };
    const file = { name: "a.pdf", mime: "application/pdf", bytes: Buffer.from("%PDF") };
    const work = [
      ...Array.from({ length: 5 }, (_, i) => yandex.sendText(String(i + 1), "hi")),
      ...Array.from({ length: 4 }, (_, i) => yandex.sendFile(String(i + 1), file)),
      ...Array.from({ length: 5 }, (_, i) => yandex.chatDetails(String(i + 1))),
    ];
    await Promise.all(work);
    expect(received).toHaveLength(total);
    expect(peak).toBe(4);
  });
});
