/**
 * random computed outputs, per type token in `RANDOM_OUTPUTS`: deterministic results from the type, the URN
 * name and the inputs, honouring length and character classes. A type without an entry is answered like
 * RandomString.
 */
import { guid, hex, type Props, reveal, str } from "../values.js";
import type { CreateArgs, CreatedState } from "./common.js";

/** The seed of a resource's results: type, URN name and inputs. */
const seedOf = (a: CreateArgs, inputs: Props): string => `${a.type}::${a.urnName}::${JSON.stringify(inputs)}`;

/** RandomString's and RandomPassword's `result`: `length` characters of the allowed classes. */
function randomText(a: CreateArgs, inputs: Props): string {
  const length = typeof inputs.length === "number" ? inputs.length : 16;
  const allow = {
    upper: inputs.upper !== false,
    lower: inputs.lower !== false,
    numeric: inputs.numeric !== false && inputs.number !== false,
    special: inputs.special !== false,
  };
  const specials =
    typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  const classes = [
    allow.upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "",
    allow.lower ? "abcdefghijklmnopqrstuvwxyz" : "",
    allow.numeric ? "0123456789" : "",
    allow.special ? specials : "",
  ].filter((c) => c.length > 0);
  const alphabet = classes.join("") || "abcdefghijklmnopqrstuvwxyz";
  const bytes = Buffer.from(hex(seedOf(a, inputs), length * 4), "hex");
  // One character of each allowed class first (the providers' min* defaults are 0; this keeps results realistic).
  let result = classes.map((c, i) => c[(bytes[i] ?? 0) % c.length]).join("");
  for (let i = result.length; result.length < length; i++)
    result += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return result.slice(0, length);
}

const randomString = (a: CreateArgs, inputs: Props): CreatedState => {
  const result = randomText(a, inputs);
  return { id: result, outputs: { result } };
};

export const RANDOM_OUTPUTS: Record<string, (a: CreateArgs, inputs: Props) => CreatedState> = {
  "random:index/randomBytes:RandomBytes": (a, inputs) => {
    const bytes = Buffer.from(hex(seedOf(a, inputs), 2 * Number(inputs.length ?? 32)), "hex");
    return { id: "none", outputs: { base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
  },
  "random:index/randomId:RandomId": (a, inputs) => {
    const bytes = Buffer.from(hex(seedOf(a, inputs), 2 * Number(inputs.byteLength ?? 8)), "hex");
    const b64Url = bytes.toString("base64url");
    return {
      id: b64Url,
      outputs: {
        b64Url,
        b64Std: bytes.toString("base64"),
        hex: bytes.toString("hex"),
        dec: BigInt(`0x${bytes.toString("hex")}`).toString(),
      },
    };
  },
  "random:index/randomUuid:RandomUuid": (a, inputs) => {
    const result = guid(seedOf(a, inputs));
    return { id: result, outputs: { result } };
  },
  "random:index/randomInteger:RandomInteger": (a, inputs) => {
    const min = Number(inputs.min ?? 0);
    const max = Number(inputs.max ?? min);
    const result = min + (Number.parseInt(hex(seedOf(a, inputs), 8), 16) % (max - min + 1));
    return { id: String(result), outputs: { result } };
  },
  "random:index/randomPet:RandomPet": (a, inputs) => {
    const words = ["calm", "brave", "eager", "gentle", "lucky", "proud", "quiet", "swift"];
    const pets = ["otter", "heron", "lynx", "marten", "ibis", "gecko", "koala", "puffin"];
    const i = Number.parseInt(hex(seedOf(a, inputs), 4), 16);
    const id = [inputs.prefix, words[i % 8], pets[(i >> 3) % 8]]
      .filter(Boolean)
      .join(str(inputs.separator, "-"));
    return { id, outputs: {} };
  },
  "random:index/randomString:RandomString": randomString,
  "random:index/randomPassword:RandomPassword": (a, inputs) => {
    const result = randomText(a, inputs);
    return { id: "none", outputs: { result, bcryptHash: `$2a$10$${hex(result, 53)}` } };
  },
};

export function randomState(a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  return (RANDOM_OUTPUTS[a.type] ?? randomString)(a, inputs);
}
