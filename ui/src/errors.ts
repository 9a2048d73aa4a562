// Errors in the agent's language: one place turns the core's `{code, reason, message}` into a
// sentence. A known reason is worded from the catalogue with its parameters (the catalogue is typed
// by the reasons, so a missing translation fails the type check); otherwise the code is worded and the
// core's own English message follows as details.

import { i18n } from "./i18n";
import { BackendError } from "./backend/backend";

export function describeError(error: unknown): string {
  const e = BackendError.from(error);
  const { key, ...params } = e.reason;
  if (key === "general") return i18n.t(`errors.${e.code}`, { message: e.message });
  const words: Record<string, unknown> = { ...params };
  if ("which" in params) words.which = i18n.t(`errors.keyKinds.${params.which}`);
  if ("why" in params) words.why = i18n.t(`assistant.off.${params.why}`);
  if ("system" in params) words.system = i18n.t(`tickets.systems.${params.system}`);
  if ("problem" in params) {
    const { key: problem, ...details } = params.problem;
    const problemWords: Record<string, unknown> = { ...details };
    if ("system" in details) problemWords.system = i18n.t(`tickets.systems.${details.system}`);
    words.problem = i18n.t(`tickets.problems.${problem}`, problemWords);
  }
  if ("provider" in params) words.provider = i18n.t(`payments.providers.${params.provider}`);
  if ("issue" in params) words.issue = i18n.t(`payments.amountIssues.${params.issue}`, { limit: params.limit });
  if ("state" in params) words.state = i18n.t(`payments.states.${params.state}`);
  // A ticket system's refusal: the fact sheet's words in the agent's language.
  if ("words" in params) words.words = i18n.language.startsWith("zh") ? params.words.zh : params.words.en;
  return i18n.t(`errors.reasons.${key}`, words);
}
