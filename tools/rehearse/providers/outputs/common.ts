/** What every cloud's output table shares: a resource to answer for, the state answered, an input helper. */
import { isPlainObject, type Props, SECRET_SIG, signature, type Value } from "../values.js";

export interface CreateArgs {
  type: string;
  urnName: string;
  inputs: Props;
  outputNames: string[];
  /** True for a real Create/Update (not a preview): side effects like a registry push happen. */
  push?: boolean;
}

export interface CreatedState {
  id: string;
  /** Computed outputs, merged over the inputs. */
  outputs: Props;
}

/**
 * An object input with a whole-value secret wrapper removed (nested secrets kept): the engine marks the
 * output secret again because the input was.
 */
export function objectInput(v: Value): Props {
  const inner = signature(v) === SECRET_SIG ? (v as Props).value : v;
  return isPlainObject(inner) && signature(inner) === undefined ? inner : {};
}
