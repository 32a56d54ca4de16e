// The real `eocube serve` process on 127.0.0.1 under hostile requests: /health keeps answering while a heavy
// polygon is masked, a client hanging up or RequestTimeout (504) stops the work, clients that never
// finish their headers or body are answered 408 and closed, connections over Limits.MaxConnections are
// closed at once, and SIGTERM ends the process within its deadline even mid-request.
import { connect, type Socket } from "node:net";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA } from "./helpers.js";
import { startServeProcess, type ServeProcess } from "./hardening-child.js";

const N = 300_000;
/** A 300k-vertex zigzag over the whole cube: every pixel row crosses 300k edges (≈ 3·10^8 crossings, many seconds of masking). */
const ZIGZAG = JSON.stringify({
  type: "Polygon",
  coordinates: [[...Array.from({ length: N - 1 }, (_, i) => [0.01 + (4.98 * i) / N, i % 2 ? 50.01 : 52.49]), [0.01, 50.01]]],
});
const REQUEST_TIMEOUT = 6000;
/** What the body holds of the work memory while it is parsed (5× its size); the handler's share differs. */
const BODY_SHARE = Buffer.byteLength(ZIGZAG) * 5;

let srv: ServeProcess;
beforeAll(async () => {
  srv = await startServeProcess({
    Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` }],
    RequestTimeout: REQUEST_TIMEOUT,
    // the zigzag is let through (its mask is the heavy work), slow clients are cut short
    Limits: {
      MaxPixelSteps: 2_000_000_000,
      MaxVertices: N,
      HeadersTimeout: 800,
      ReceiveTimeout: 1500,
      MaxConnections: 40,
      ShutdownGrace: 1000,
    },
  });
}, 60_000);
afterAll(async () => {
  await srv?.stop();
});

type Health = { requests: number; work: { used: number } };
const health = async (timeoutMs = 10_000): Promise<{ ms: number; body: Health }> => {
  const t0 = performance.now();
  const r = await fetch(`${srv.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  return { body: (await r.json()) as Health, ms: performance.now() - t0 };
};

/** POSTs the zigzag with node:http (so that it can be hung up); resolves with the status and body, or "closed". */
function heavy(id: string): { done: Promise<{ status: number; body: string } | "closed">; hangUp(): void } {
  let hangUp: () => void = () => {};
  const done = new Promise<{ status: number; body: string } | "closed">((resolve) => {
    const req = request(
      `${srv.url}/timeseries/olci/conc_chl`,
      { method: "POST", headers: { "content-type": "application/json", "x-request-id": id } },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
        res.on("error", () => resolve("closed"));
      },
    );
    req.on("error", () => resolve("closed"));
    req.end(ZIGZAG);
    hangUp = () => req.destroy();
  });
  return { done, hangUp: () => hangUp() };
}

/** Waits until `pred()` holds (polling every 100 ms) or fails after `ms`. */
async function until(pred: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!(await pred())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const logOf = (id: string) => srv.logs.find((l) => l.reqId === id && (l.code !== undefined || l.res !== undefined));

describe("heavy requests do not hold up the server", () => {
  it("answers /health while a 300k-vertex polygon is masked, and stops the work when the client hangs up", async () => {
    const h = heavy("zigzag-gone");
    let finished = false;
    void h.done.then(() => (finished = true));
    // the mask is under way once the request holds work memory, and not for its body any more
    await until(async () => ![0, BODY_SHARE].includes((await health()).body.work.used), 20_000, "the heavy request to start masking");
    for (let k = 0; k < 5; k++) {
      const { body } = await health();
      expect(body.requests).toBeGreaterThanOrEqual(2); // the heavy one and this one
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(finished).toBe(false);
    h.hangUp();
    expect(await h.done).toBe("closed");
    // the work stops: the request ends as CANCELLED and gives its memory back
    await until(() => logOf("zigzag-gone") !== undefined, 10_000, "the cancelled request's log line");
    expect(logOf("zigzag-gone")).toMatchObject({ code: "CANCELLED" });
    await until(async () => (await health()).body.work.used === 0, 10_000, "the work memory to be given back");
  }, 60_000);

  it("RequestTimeout aborts the work and answers 504 TIMEOUT with the error body", async () => {
    const t0 = performance.now();
    const r = await heavy("zigzag-slow").done;
    const ms = performance.now() - t0;
    expect(r).not.toBe("closed");
    const { status, body } = r as { status: number; body: string };
    expect(status).toBe(504);
    expect(JSON.parse(body)).toMatchObject({ code: "TIMEOUT", message: expect.stringMatching(/RequestTimeout/) });
    expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT - 50);
    expect(ms).toBeLessThan(REQUEST_TIMEOUT + 15_000);
    await until(async () => (await health()).body.work.used === 0, 10_000, "the work memory to be given back");
  }, 60_000);
});

/** Opens a raw connection, writes `text`, and resolves with what the server sent and when it closed the connection. */
function rawClient(text: string): Promise<{ data: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const u = new URL(srv.url);
    const s: Socket = connect(Number(u.port), u.hostname, () => s.write(text));
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("error", () => undefined);
    s.on("close", () => resolve({ data, ms: performance.now() - t0 }));
    setTimeout(() => {
      s.destroy();
      reject(new Error(`the server did not close the connection (got ${JSON.stringify(data.slice(0, 100))})`));
    }, 20_000);
  });
}

describe("slow and surplus clients", () => {
  it("a client that sends its headers but never finishes the body gets 408 and is closed", async () => {
    const r = await rawClient(
      'POST /timeseries/olci/conc_chl HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":',
    );
    expect(r.data).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(r.data.slice(r.data.indexOf("\r\n\r\n") + 4))).toMatchObject({ code: "TIMEOUT" });
    expect(r.ms).toBeLessThan(12_000);
  }, 30_000);

  it("a client that never finishes its headers is closed", async () => {
    const r = await rawClient("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(r.data).toMatch(/^HTTP\/1\.1 408/);
    expect(r.ms).toBeLessThan(12_000);
  }, 30_000);

  it("connections over Limits.MaxConnections are closed at once; the server serves again when they are gone", async () => {
    const u = new URL(srv.url);
    const sockets: Socket[] = [];
    const closedEarly = new Set<number>();
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<void>((res) => {
            const s = connect(Number(u.port), u.hostname, () => res());
            s.on("error", () => res());
            s.on("close", () => {
              closedEarly.add(i);
              res();
            });
            sockets.push(s);
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    // 40 allowed; of the others none was served (Node closes them as they arrive)
    expect(closedEarly.size).toBeGreaterThanOrEqual(55);
    for (const s of sockets) s.destroy();
    await until(
      async () =>
        await health().then(
          () => true,
          () => false,
        ),
      10_000,
      "the server to serve again",
    );
  }, 30_000);
});

describe("SIGTERM", () => {
  it("ends the process within its deadline while a heavy request runs (that request: 503 or closed)", async () => {
    const h = heavy("zigzag-term");
    await until(async () => ![0, BODY_SHARE].includes((await health()).body.work.used), 20_000, "the heavy request to start masking");
    srv.signal("SIGTERM");
    const exit = await srv.exited;
    // ShutdownGrace 1 s + the 2.5 s margin; generous for a loaded machine, far below a request's length
    expect(exit.ms).toBeLessThan(10_000);
    expect(exit.code).toBe(0);
    const r = await h.done;
    if (r !== "closed") {
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body)).toMatchObject({ code: "CANCELLED", message: "the server is shutting down" });
    }
    expect(srv.stderr()).toMatch(/SIGTERM, shutting down/);
  }, 60_000);
});
