import { sessionKey, tokenKey } from "./kube-client.js";
import { adoptSessionFromAddress, storeToken, storedSession, storedToken } from "./session.js";

const storage = () => {
  const data = new Map<string, string>();
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
};

describe("adoptSessionFromAddress", () => {
  it("keeps ?session= in storage and gives the address without it (other parameters and the hash kept)", () => {
    const s = storage();
    expect(adoptSessionFromAddress({ pathname: "/faultline/", search: "?a=1&session=abc123&b=2", hash: "#/nodes" }, s)).toBe("/faultline/?a=1&b=2#/nodes");
    expect(s.data.get(sessionKey)).toBe("abc123");
    expect(storedSession(s)).toBe("abc123");
  });
  it("the only parameter: the query goes entirely", () => {
    const s = storage();
    expect(adoptSessionFromAddress({ pathname: "/", search: "?session=xyz", hash: "" }, s)).toBe("/");
  });
  it("no ?session=: nothing to change, nothing stored", () => {
    const s = storage();
    expect(adoptSessionFromAddress({ pathname: "/", search: "?a=1", hash: "#/x" }, s)).toBeUndefined();
    expect(s.data.size).toBe(0);
    expect(storedSession(s)).toBeUndefined();
  });
});

describe("storeToken", () => {
  it("trims the token and drops a pasted Bearer prefix", () => {
    const s = storage();
    expect(storeToken(s, "  Bearer eyJabc.def  \n")).toBe("eyJabc.def");
    expect(s.data.get(tokenKey)).toBe("eyJabc.def");
    expect(storedToken(s)).toBe("eyJabc.def");
  });
  it("refuses an empty token or one with spaces, naming the field", () => {
    expect(() => storeToken(storage(), "  ")).toThrow(/^token: /);
    expect(() => storeToken(storage(), "abc def")).toThrow(/^token: .*no spaces/);
  });
});
