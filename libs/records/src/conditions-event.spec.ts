import { sendConditionsEvent } from "./conditions-event.js";
import { sentEvents, testObject } from "./testing/in-memory-seams.test-support.js";

describe("sendConditionsEvent", () => {
  it("sends Updated listing what changed, and nothing when nothing did", () => {
    const { send, events } = sentEvents();
    const written = testObject("a", { status: { conditions: [{ type: "Selected", status: "True", reason: "Selected" }, { type: "AllInjected", status: "False", reason: "NotAllInjected" }] } });
    sendConditionsEvent(send, [{ type: "Selected", status: "True", reason: "Selected" }], written);
    sendConditionsEvent(send, written.status!.conditions, written);
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([["Normal", "Updated", "Conditions: AllInjected=False"]]);
  });
});
