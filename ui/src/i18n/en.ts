// English strings, from the one catalogue of user-facing strings (`en.json`, which the desktop shell
// reads too for notifications and the tray). The key set is the contract: zh-CN must have exactly the
// same keys (checked by the type below and by a test), and every error reason the core can send
// must have its sentence (checked by `reasonSentences`). Error sentences are worded by code when no
// reason is known (the core's own words follow as details), else by reason with its parameters;
// language names are each language's own, the same in every catalogue.

import type { ErrorReason } from "../backend/bindings";
import catalogue from "./en.json";

export const en = catalogue;

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
export type Strings = Shape<typeof en>;

/** A missing sentence for one of the core's error reasons fails the type check here. */
export const reasonSentences: Record<Exclude<ErrorReason["key"], "general">, string> = en.errors.reasons;
