import { describe, expect, it } from "vitest";
import { forEachLimited, Gate, KeyedGate, SingleFlight } from "../../src/bridge/gate.ts";

/**
 * Tasks that the test finishes by hand, so every step is an event the test causes: which task
 * started, how many ran at once, and nothing depends on how fast the machine is.
 */
class Tasks {
  readonly started: string[] = [];
  running = 0;
  mostAtOnce = 0;
  readonly #pending = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();

  task(name: string): () => Promise<string> {
    return async () => {
      this.started.push(name);
      this.running++;
      this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
      try {
        await new Promise<void>((resolve, reject) => this.#pending.set(name, { resolve, reject }));
        return name;
      } finally {
        this.running--;
      }
    };
  }

  async finish(name: string): Promise<void> {
    this.#take(name).resolve();
    await settle();
  }

  async fail(name: string, error: unknown): Promise<void> {
    this.#take(name).reject(error);
    await settle();
  }

  #take(name: string): { resolve: () => void; reject: (e: unknown) => void } {
    const pending = this.#pending.get(name);
    if (!pending) throw new Error(`task ${name} is not running`);
    this.#pending.delete(name);
    return pending;
  }
}

/** Lets every promise chain already under way run to its end (one turn of the event loop). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether a promise has settled yet, readable while it is pending. */
function watch(promise: Promise<unknown>): { done: boolean } {
  const watched = { done: false };
  const mark = () => {
    watched.done = true;
  };
  promise.then(mark, mark);
  return watched;
}

describe("Gate", () => {
  it("runs at most `limit` tasks at once and starts the next when one ends", async () => {
    const tasks = new Tasks();
    const gate = new Gate(2);
    const results = ["a", "b", "c", "d", "e"].map((name) => gate.run(tasks.task(name)));
    await settle();
    expect(tasks.started).toEqual(["a", "b"]);
    expect(gate.size).toBe(5);

    await tasks.finish("b");
    expect(tasks.started).toEqual(["a", "b", "c"]);
    expect(tasks.running).toBe(2);

    for (const name of ["a", "c", "d", "e"]) await tasks.finish(name);
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d", "e"]);
    expect(tasks.mostAtOnce).toBe(2);
    expect(gate.size).toBe(0);
  });

  it("lets waiting tasks in the order they came, whichever running task ends first", async () => {
    const tasks = new Tasks();
    const gate = new Gate(2);
    for (const name of ["a", "b", "c", "d", "e", "f"]) void gate.run(tasks.task(name));
    await settle();
    await tasks.finish("b");
    await tasks.finish("c");
    await tasks.finish("a");
    await tasks.finish("e");
    expect(tasks.started).toEqual(["a", "b", "c", "d", "e", "f"]);
    await tasks.finish("d");
    await tasks.finish("f");
    await gate.idle();
  });

  it("rejects a waiting task with the abort's reason and gives its place to the next", async () => {
    const tasks = new Tasks();
    const gate = new Gate(1);
    const first = gate.run(tasks.task("first"));
    const controller = new AbortController();
    const aborted = gate.run(tasks.task("aborted"), controller.signal);
    const last = gate.run(tasks.task("last"));
    await settle();
    expect(gate.size).toBe(3);

    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(gate.size).toBe(2);

    await tasks.finish("first");
    expect(tasks.started).toEqual(["first", "last"]);
    await tasks.finish("last");
    expect(await first).toBe("first");
    expect(await last).toBe("last");
    expect(gate.size).toBe(0);
  });

  it("refuses at once a task whose signal is already aborted", async () => {
    const tasks = new Tasks();
    const gate = new Gate(1);
    const reason = new Error("already stopped");
    await expect(gate.run(tasks.task("never"), AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(tasks.started).toEqual([]);
    expect(gate.size).toBe(0);
  });

  it("does not interrupt a running task when its signal aborts", async () => {
    const tasks = new Tasks();
    const gate = new Gate(1);
    const controller = new AbortController();
    const running = gate.run(tasks.task("running"), controller.signal);
    await settle();
    controller.abort(new Error("too late"));
    await tasks.finish("running");
    expect(await running).toBe("running");
  });

  it("frees the place of a task that throws", async () => {
    const tasks = new Tasks();
    const gate = new Gate(1);
    const failing = gate.run(tasks.task("failing"));
    const next = gate.run(tasks.task("next"));
    await settle();
    const error = new Error("task failed");
    const rejected = expect(failing).rejects.toBe(error);
    await tasks.fail("failing", error);
    await rejected;
    expect(tasks.started).toEqual(["failing", "next"]);
    await tasks.finish("next");
    expect(await next).toBe("next");
    expect(gate.size).toBe(0);
  });

  it("idle() resolves when nothing runs or waits, and at once when the gate is empty", async () => {
    const tasks = new Tasks();
    const gate = new Gate(1);
    await gate.idle();

    void gate.run(tasks.task("a"));
    void gate.run(tasks.task("b"));
    const idle = watch(gate.idle());
    await tasks.finish("a");
    expect(idle.done).toBe(false);
    await tasks.finish("b");
    expect(idle.done).toBe(true);
  });
});

describe("KeyedGate", () => {
  it("runs the tasks of one key one after another, in the order they came", async () => {
    const tasks = new Tasks();
    const gate = new KeyedGate();
    const outcomes = Promise.allSettled(
      ["1", "2", "3"].map((n) => gate.run("chat", tasks.task(`chat ${n}`))),
    );
    await settle();
    expect(tasks.started).toEqual(["chat 1"]);
    await tasks.finish("chat 1");
    expect(tasks.started).toEqual(["chat 1", "chat 2"]);
    // A failed task does not hold up the ones behind it.
    await tasks.fail("chat 2", new Error("send failed"));
    expect(tasks.started).toEqual(["chat 1", "chat 2", "chat 3"]);
    await tasks.finish("chat 3");
    expect((await outcomes).map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(tasks.mostAtOnce).toBe(1);
  });

  it("runs tasks of different keys side by side", async () => {
    const tasks = new Tasks();
    const gate = new KeyedGate();
    const a = gate.run("chat A", tasks.task("A"));
    const b = gate.run("chat B", tasks.task("B"));
    await settle();
    expect(tasks.started).toEqual(["A", "B"]);
    expect(tasks.running).toBe(2);
    // B may end first: the keys do not wait for each other.
    await tasks.finish("B");
    expect(await b).toBe("B");
    await tasks.finish("A");
    expect(await a).toBe("A");
  });

  it("idle() resolves once every task submitted so far has settled, under every key", async () => {
    const tasks = new Tasks();
    const gate = new KeyedGate();
    await gate.idle();

    void gate.run("x", tasks.task("x1"));
    void gate.run("x", tasks.task("x2"));
    void gate.run("y", tasks.task("y1"));
    const idle = watch(gate.idle());
    await tasks.finish("x1");
    await tasks.finish("x2");
    // Key x is done; y still runs.
    expect(idle.done).toBe(false);
    await tasks.finish("y1");
    expect(idle.done).toBe(true);

    // A task submitted under a new key while idle() waits is waited for too.
    void gate.run("x", tasks.task("x3"));
    const idleAgain = watch(gate.idle());
    void gate.run("z", tasks.task("z1"));
    await tasks.finish("x3");
    expect(idleAgain.done).toBe(false);
    await tasks.finish("z1");
    expect(idleAgain.done).toBe(true);

    // A key used before works again after its gate was dropped.
    const again = gate.run("x", tasks.task("x4"));
    await settle();
    await tasks.finish("x4");
    expect(await again).toBe("x4");
  });
});

describe("forEachLimited", () => {
  it("works on every item, at most `limit` at once, starting them in order", async () => {
    const tasks = new Tasks();
    const items = ["a", "b", "c", "d", "e"];
    const all = watch(forEachLimited(items, 2, async (item) => void (await tasks.task(item)())));
    await settle();
    expect(tasks.started).toEqual(["a", "b"]);
    for (const item of ["b", "a", "c", "d"]) await tasks.finish(item);
    expect(all.done).toBe(false);
    await tasks.finish("e");
    expect(all.done).toBe(true);
    expect(tasks.started).toEqual(items);
    expect(tasks.mostAtOnce).toBe(2);
  });

  it("rejects with the error of an item that failed", async () => {
    const error = new Error("item 2 failed");
    await expect(
      forEachLimited([1, 2, 3], 2, async (item) => {
        if (item === 2) throw error;
      }),
    ).rejects.toBe(error);
  });

  it("resolves at once for no items", async () => {
    await forEachLimited([], 3, async () => {
      throw new Error("no item, no work");
    });
  });
});

describe("SingleFlight", () => {
  it("shares a run under way with later callers, and runs again once it settled", async () => {
    const flight = new SingleFlight();
    let runs = 0;
    let finish = () => {};
    const task = () =>
      new Promise<void>((resolve) => {
        runs++;
        finish = resolve;
      });
    const first = flight.run(task);
    const second = flight.run(task);
    expect(flight.busy).toBe(true);
    expect(runs).toBe(1);
    finish();
    await Promise.all([first, second]);
    expect(flight.busy).toBe(false);
    const third = flight.run(task);
    expect(runs).toBe(2);
    finish();
    await third;
  });

  it("hands a failure to every caller of that run, and is free again after it", async () => {
    const flight = new SingleFlight();
    const failing = () => Promise.reject(new Error("no"));
    await expect(flight.run(failing)).rejects.toThrow("no");
    expect(flight.busy).toBe(false);
    await expect(flight.run(async () => 7)).resolves.toBeUndefined();
  });
});
