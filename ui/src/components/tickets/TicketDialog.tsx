// The Create ticket dialog (button or Ctrl/⌘+Shift+T): the system, a title (from the service
// summary when there is one), the part of the transcript the agent selected (editable), a leaf of the
// category tree (type to filter), the category's template fields by type, level, assignee, and
// attachments from the conversation's images or from disk within the system's limits. What must be
// fixed is named before anything is sent; the draft is kept until the ticket is created; progress
// (creating, checking, created with its number, not created and why) comes from the core's events.

import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type {
  Category,
  CopiedAgent,
  FieldValue,
  Message,
  Session,
  SystemKind,
  TemplateField,
  TicketForm,
  TicketProgress,
  TicketSystemView,
} from "../../backend/bindings";
import { useDeskEvents } from "../../backend/useDeskEvents";
import { describeError } from "../../errors";
import { useAssistCall } from "../assistant/useAssistCall";
import { ErrorLine, Field } from "../formParts";
import { draftFor, forgetDraft, keepDraft, summaryOf, type PickedAttachment, type TicketDraftState } from "./ticketDrafts";
import { TicketDetailView } from "./TicketDetailView";

/** Categories listed at once; beyond this the agent narrows the list by typing. */
const MAX_SHOWN_CATEGORIES = 1000;

/** A leaf of the category tree with the names of its parents, for the filter. */
export interface LeafCategory {
  id: string;
  path: string;
}

export function leafCategories(tree: Category[], parents: string[] = []): LeafCategory[] {
  return tree.flatMap((category) =>
    category.leaf
      ? [{ id: category.id, path: [...parents, category.name].join(" / ") }]
      : leafCategories(category.children, [...parents, category.name]),
  );
}

/** The first thing the agent must fix before the ticket can be sent, in the order of the form. */
export function firstProblem(
  t: (key: string, params?: Record<string, unknown>) => string,
  draft: TicketDraftState,
  system: TicketSystemView | undefined,
  template: TemplateField[],
): string | null {
  if (!draft.title.trim()) return t("tickets.problems.no_title");
  if (!draft.content.trim()) return t("tickets.problems.no_content");
  if (system?.categories && !draft.typeId) return t("tickets.problems.no_category");
  for (const field of template) {
    const value = draft.fields.find((f) => f.id === field.id)?.value.trim() ?? "";
    if (!value) {
      if (field.required) return t("tickets.problems.field_required", { field: field.name });
      continue;
    }
    const known = (v: string) => field.options.length === 0 || field.options.some((o) => o.value === v);
    if ((field.kind === "dropdown" || field.kind === "radio" || field.kind === "cascade") && !known(value))
      return t("tickets.problems.not_an_option", { field: field.name, value });
    if (field.kind === "number" && Number.isNaN(Number(value))) return t("tickets.problems.not_a_number", { field: field.name, value });
  }
  const notEmail = copiedAgents(draft.copiedText).find((c) => !/^[^@\s]+@[^@\s]+$/.test(c.email));
  if (system?.assignees && notEmail) return t("tickets.problems.copied_not_email", { value: notEmail.email });
  if (system) {
    if (draft.attachments.length > system.max_attachments)
      return t("tickets.problems.too_many_attachments", { system: t(`tickets.systems.${system.system}`), max: system.max_attachments });
    for (const file of draft.attachments) {
      if (file.source === "file" && file.size > system.max_file_mb * 1024 * 1024)
        return t("tickets.problems.attachment_too_large", { name: file.name, system: t(`tickets.systems.${system.system}`), max_mb: system.max_file_mb });
    }
  }
  return null;
}

/** The agents copied on a Sobot ticket, from the e-mails the agent typed (Sobot's `copy_agent`
 * takes a name and an e-mail; its dictionary lists agents without e-mails, so the e-mail is typed and
 * the name is its local part). */
export function copiedAgents(text: string): CopiedAgent[] {
  return text
    .split(/[,，;；\s]+/)
    .filter(Boolean)
    .map((email) => ({ email, name: email.split("@")[0] }));
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** Sobot's template values go as text: dates `yyyy-MM-dd`, times `HH:mm:ss`, date-times with a space. */
function toSobotValue(kind: TemplateField["kind"], value: string): string {
  if (kind === "time" && /^\d{2}:\d{2}$/.test(value)) return `${value}:00`;
  if (kind === "date_time") {
    const v = value.replace("T", " ");
    return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(v) ? `${v}:00` : v;
  }
  return value;
}

export function TicketDialog(props: {
  backend: Backend;
  session: Session;
  messages: Message[];
  /** The transcript text the agent selected when the dialog opened. */
  selection: string;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { backend, session } = props;
  const [systems, setSystems] = useState<TicketSystemView[] | null>(null);
  const [form, setForm] = useState<TicketForm | null>(null);
  const [template, setTemplate] = useState<TemplateField[]>([]);
  const [filter, setFilter] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showTicket, setShowTicket] = useState(false);
  const [assistantOn, setAssistantOn] = useState(false);
  const titling = useAssistCall(backend, (e) => setProblem(describeError(e)));
  const suggested = titling.call?.outcome ?? null;
  const [draft, setDraftState] = useState<TicketDraftState>(() => {
    const firstWords = props.messages.find((m) => m.direction === "in" && m.kind === "text")?.content ?? "";
    const title = (summaryOf(session.id) ?? firstWords).split("\n")[0].slice(0, 80);
    const transcript = props.messages
      .filter((m) => m.kind === "text")
      .map((m) => `${m.sender_name || (m.direction === "in" ? session.visitor_name : t("tickets.agent"))}: ${m.content}`)
      .join("\n");
    return draftFor(session.id, { title, content: props.selection.trim() || transcript });
  });
  // Kept until the ticket exists; a created one is forgotten, so the next dialog starts afresh.
  const setDraft = (change: (d: TicketDraftState) => TicketDraftState) =>
    setDraftState((d) => {
      const next = change(d);
      if (next.progress?.state === "created") forgetDraft(session.id);
      else keepDraft(session.id, next);
      return next;
    });

  useEffect(() => {
    backend
      .ticketSystems()
      .then((list) => {
        setSystems(list);
        setDraft((d) => (d.system && list.some((s) => s.system === d.system) ? d : { ...d, system: list[0]?.system ?? null }));
      })
      .catch((e: unknown) => setProblem(describeError(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [backend]);

  useEffect(() => {
    backend
      .assistantStatus()
      .then((status) => setAssistantOn(status.on))
      .catch(() => setAssistantOn(false));
  }, [backend]);

  // The assistant's service summary, when asked for, becomes the title (its first line).
  useEffect(() => {
    const text = suggested?.summary?.trim() || suggested?.text.trim();
    if (text) setDraft((d) => ({ ...d, title: text.split("\n")[0].slice(0, 80) }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [suggested]);

  const system = systems?.find((s) => s.system === draft.system);
  useEffect(() => {
    if (!draft.system) return;
    let current = true;
    setForm(null);
    backend
      .ticketForm(draft.system)
      .then((f) => current && setForm(f))
      .catch((e: unknown) => current && setProblem(describeError(e)));
    return () => {
      current = false;
    };
  }, [backend, draft.system]);

  useEffect(() => {
    if (!draft.system || !draft.typeId || !system?.categories) {
      setTemplate([]);
      return;
    }
    let current = true;
    backend
      .ticketTemplate(draft.system, draft.typeId)
      .then((fields) => current && setTemplate(fields))
      .catch((e: unknown) => current && setProblem(describeError(e)));
    return () => {
      current = false;
    };
  }, [backend, draft.system, draft.typeId, system?.categories]);

  useDeskEvents(backend, {
    ticket: (event) => {
      if (event.progress.attempt_id !== draft.attemptId) return;
      setDraft((d) => ({ ...d, progress: event.progress }));
    },
  });

  const leaves = useMemo(() => leafCategories(form?.dictionary.categories ?? []), [form]);
  const shownLeaves = leaves.filter((leaf) => leaf.path.toLowerCase().includes(filter.trim().toLowerCase()));
  const images = props.messages.filter((m) => m.kind === "image" && m.content);
  const progress: TicketProgress | null = draft.progress;
  const sending = progress?.state === "creating" || progress?.state === "checking";
  const created = progress?.state === "created";

  const setField = (id: string, value: string) =>
    setDraft((d) => ({ ...d, fields: [...d.fields.filter((f) => f.id !== id), { id, value }] }));
  const fieldValue = (id: string) => draft.fields.find((f) => f.id === id)?.value ?? "";
  const toggleImage = (address: string, name: string) =>
    setDraft((d) => ({
      ...d,
      attachments: d.attachments.some((a) => a.source === "image" && a.address === address)
        ? d.attachments.filter((a) => !(a.source === "image" && a.address === address))
        : [...d.attachments, { source: "image", address, name }],
    }));

  const addFiles = async (files: FileList | null) => {
    if (!files) return;
    const picked: PickedAttachment[] = [];
    for (const file of Array.from(files)) {
      picked.push({ source: "file", name: file.name, size: file.size, dataBase64: await readAsBase64(file) });
    }
    setDraft((d) => ({ ...d, attachments: [...d.attachments, ...picked] }));
  };

  const submit = async () => {
    if (!draft.system) return;
    const found = firstProblem(t, draft, system, template);
    setProblem(found);
    if (found) return;
    setBusy(true);
    try {
      const attachments = [];
      for (const picked of draft.attachments) {
        if (picked.source === "file") attachments.push({ name: picked.name, data_base64: picked.dataBase64 });
        else {
          const url = await backend.fetchImage(picked.address);
          attachments.push({ name: picked.name, data_base64: url.replace(/^data:[^,]*,/, "") });
        }
      }
      const fields: FieldValue[] = draft.fields
        .filter((f) => template.some((field) => field.id === f.id))
        .map((f) => ({ id: f.id, value: toSobotValue(template.find((field) => field.id === f.id)!.kind, f.value.trim()) }));
      const group = form?.dictionary.groups.find((g) => g.value === draft.groupId);
      const assignee = form?.dictionary.agents.find((a) => a.value === draft.assigneeId);
      const started = await backend.createTicket({
        attempt_id: draft.attemptId,
        session_id: session.id,
        system: draft.system,
        title: draft.title,
        content: draft.content,
        type_id: system?.categories ? draft.typeId : null,
        level: draft.level,
        fields,
        group_id: group?.value ?? null,
        group_name: group?.name ?? null,
        assignee_id: assignee?.value ?? null,
        assignee_name: assignee?.name ?? null,
        copied: system?.assignees ? copiedAgents(draft.copiedText) : [],
        attachments,
      });
      setDraft((d) => (d.progress?.state === "created" ? d : { ...d, progress: started }));
    } catch (e: unknown) {
      setProblem(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const levelName = (value: string, name: string) => name || t(`tickets.levels.${value}`, { defaultValue: value });
  const systemName = (kind: SystemKind) => t(`tickets.systems.${kind}`);

  return (
    <div className="modal-backdrop" onClick={props.onClose}>
      <div
        className="modal wide ticket-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={t("tickets.create")}
        onClick={(e) => e.stopPropagation()}
        data-testid="ticket-dialog"
      >
        <h2>{t("tickets.create")}</h2>
        {systems !== null && systems.length === 0 && <p className="muted">{t("tickets.noSystems")}</p>}
        {systems !== null && systems.length > 1 && (
          <Field label={t("tickets.system")}>
            <select
              value={draft.system ?? ""}
              disabled={sending || created}
              onChange={(e) => setDraft((d) => ({ ...d, system: e.target.value as SystemKind, typeId: null, fields: [] }))}
              data-testid="ticket-system"
            >
              {systems.map((s) => (
                <option key={s.system} value={s.system}>
                  {systemName(s.system)}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t("tickets.title")}>
          <input value={draft.title} maxLength={200} onChange={(e) => setDraft((d) => ({ ...d, title: e.target.value }))} data-testid="ticket-title" />
        </Field>
        {assistantOn && (
          <button
            type="button"
            disabled={titling.call !== null && titling.call.outcome === null}
            onClick={() => void titling.start(session.id, { task: "summary" }, i18n.language)}
            data-testid="ticket-title-assist"
          >
            {titling.call !== null && titling.call.outcome === null ? t("tickets.titleAssisting") : t("tickets.titleFromAssistant")}
          </button>
        )}
        <Field label={t("tickets.content")}>
          <textarea rows={6} value={draft.content} onChange={(e) => setDraft((d) => ({ ...d, content: e.target.value }))} data-testid="ticket-content" />
        </Field>

        {system?.categories && (
          <fieldset>
            <legend>{t("tickets.category")}</legend>
            <input
              type="search"
              placeholder={t("tickets.filterCategories")}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              data-testid="ticket-category-filter"
            />
            {!form && <p className="muted">{t("tickets.loading")}</p>}
            <div className="category-list" role="listbox" aria-label={t("tickets.category")}>
              {shownLeaves.slice(0, MAX_SHOWN_CATEGORIES).map((leaf) => (
                <button
                  key={leaf.id}
                  type="button"
                  role="option"
                  aria-selected={draft.typeId === leaf.id}
                  className={draft.typeId === leaf.id ? "selected" : undefined}
                  onClick={() => setDraft((d) => ({ ...d, typeId: leaf.id }))}
                  data-testid={`ticket-category-${leaf.id}`}
                >
                  {leaf.path}
                </button>
              ))}
              {form && shownLeaves.length === 0 && <p className="muted">{t("tickets.noCategoryMatches")}</p>}
              {shownLeaves.length > MAX_SHOWN_CATEGORIES && (
                <p className="muted">{t("tickets.moreCategories", { count: shownLeaves.length - MAX_SHOWN_CATEGORIES })}</p>
              )}
            </div>
          </fieldset>
        )}

        {template.length > 0 && (
          <fieldset data-testid="ticket-fields">
            <legend>{t("tickets.fields")}</legend>
            {template.map((field) => (
              <TemplateInput key={field.id} field={field} value={fieldValue(field.id)} onChange={(v) => setField(field.id, v)} />
            ))}
          </fieldset>
        )}

        {form && form.dictionary.levels.length > 0 && (
          <Field label={t("tickets.level")}>
            <select
              value={draft.level ?? ""}
              onChange={(e) => setDraft((d) => ({ ...d, level: e.target.value === "" ? null : Number(e.target.value) }))}
              data-testid="ticket-level"
            >
              <option value="">{t("tickets.levelDefault")}</option>
              {form.dictionary.levels.map((level) => (
                <option key={level.value} value={level.value}>
                  {levelName(level.value, level.name)}
                </option>
              ))}
            </select>
          </Field>
        )}
        {system?.assignees && form && (
          <div className="row">
            <Field label={t("tickets.group")}>
              <select value={draft.groupId} onChange={(e) => setDraft((d) => ({ ...d, groupId: e.target.value }))}>
                <option value="">{t("tickets.unassigned")}</option>
                {form.dictionary.groups.map((g) => (
                  <option key={g.value} value={g.value}>
                    {g.name || g.value}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t("tickets.assignee")}>
              <select value={draft.assigneeId} onChange={(e) => setDraft((d) => ({ ...d, assigneeId: e.target.value }))}>
                <option value="">{t("tickets.unassigned")}</option>
                {form.dictionary.agents.map((a) => (
                  <option key={a.value} value={a.value}>
                    {a.name || a.value}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        )}

        {system?.assignees && (
          <Field label={t("tickets.copied")}>
            <input
              type="text"
              value={draft.copiedText}
              placeholder={t("tickets.copiedHint")}
              onChange={(e) => setDraft((d) => ({ ...d, copiedText: e.target.value }))}
              data-testid="ticket-copied"
            />
          </Field>
        )}

        <fieldset>
          <legend>{system ? t("tickets.attachmentsWithin", { count: system.max_attachments, mb: system.max_file_mb }) : t("tickets.attachments")}</legend>
          {images.map((image, index) => {
            const name = `image-${index + 1}.png`;
            return (
              <label key={image.content} className="check">
                <input
                  type="checkbox"
                  checked={draft.attachments.some((a) => a.source === "image" && a.address === image.content)}
                  onChange={() => toggleImage(image.content, name)}
                  data-testid={`ticket-image-${index}`}
                />
                {t("tickets.conversationImage", {
                  n: index + 1,
                  time: new Date(image.sent_at_ms).toLocaleTimeString(i18n.language, { hour: "2-digit", minute: "2-digit" }),
                })}
              </label>
            );
          })}
          {draft.attachments
            .filter((a) => a.source === "file")
            .map((file, index) => (
              <div key={`${file.name}-${index}`} className="row">
                <span>{file.name}</span>
                <button type="button" onClick={() => setDraft((d) => ({ ...d, attachments: d.attachments.filter((a) => a !== file) }))}>
                  {t("tickets.remove")}
                </button>
              </div>
            ))}
          <input type="file" multiple onChange={(e) => void addFiles(e.target.files)} aria-label={t("tickets.attachFromDisk")} />
        </fieldset>

        {created && showTicket && progress?.ticket_id && draft.system && (
          <TicketDetailView backend={backend} system={draft.system} ticketId={progress.ticket_id} canReply={system?.replies ?? false} statusChanges={system?.status_changes ?? false} reassigns={system?.assignees ?? false} />
        )}
        <div className="ticket-footer">
        <TicketStatus progress={progress} onOpen={() => setShowTicket(true)} />
        <ErrorLine message={problem} />
        <div className="row-actions">
          {!created && (
            <button type="button" className="primary" disabled={busy || sending || !draft.system} onClick={() => void submit()} data-testid="ticket-submit">
              {progress?.state === "not_created" ? t("tickets.tryAgain") : t("tickets.submit")}
            </button>
          )}
          <button type="button" onClick={props.onClose} data-testid="ticket-close">
            {created ? t("tickets.done") : t("tickets.close")}
          </button>
        </div>
        </div>
      </div>
    </div>
  );
}

function TicketStatus({ progress, onOpen }: { progress: TicketProgress | null; onOpen: () => void }) {
  const { t } = useTranslation();
  if (!progress) return null;
  const error = progress.error ? describeError(progress.error) : "";
  switch (progress.state) {
    case "creating":
      return (
        <p role="status" data-testid="ticket-state" data-state="creating">
          {t("tickets.creating")}
        </p>
      );
    case "checking":
      return (
        <p role="status" data-testid="ticket-state" data-state="checking">
          {t("tickets.checking")} {error}
        </p>
      );
    case "created":
      return (
        <p role="status" data-testid="ticket-state" data-state="created">
          {t("tickets.created")}{" "}
          <button type="button" className="link" onClick={onOpen} data-testid="ticket-number">
            {progress.number}
          </button>
        </p>
      );
    case "not_created":
      return (
        <p role="alert" className="error" data-testid="ticket-state" data-state="not_created">
          {t("tickets.notCreated", { error })}
        </p>
      );
  }
}

/** One template field, entered as its kind asks. */
function TemplateInput({ field, value, onChange }: { field: TemplateField; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const label = field.required ? `${field.name} *` : field.name;
  const testId = `ticket-field-${field.id}`;
  switch (field.kind) {
    case "multiline_text":
      return (
        <Field label={label}>
          <textarea rows={3} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    case "date":
      return (
        <Field label={label}>
          <input type="date" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    case "time":
      return (
        <Field label={label}>
          <input type="time" step={1} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    case "date_time":
      return (
        <Field label={label}>
          <input type="datetime-local" step={1} value={value.replace(" ", "T")} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    case "number":
      return (
        <Field label={label}>
          <input type="number" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    case "dropdown":
    case "cascade":
      return (
        <Field label={label}>
          <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
            <option value="">{t("tickets.choose")}</option>
            {field.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      );
    case "radio":
      return (
        <fieldset data-testid={testId}>
          <legend>{label}</legend>
          {field.options.map((o) => (
            <label key={o.value} className="check">
              <input type="radio" name={field.id} checked={value === o.value} onChange={() => onChange(o.value)} />
              {o.name}
            </label>
          ))}
        </fieldset>
      );
    case "checkbox": {
      const chosen = value ? value.split(",") : [];
      return (
        <fieldset data-testid={testId}>
          <legend>{label}</legend>
          {field.options.map((o) => (
            <label key={o.value} className="check">
              <input
                type="checkbox"
                checked={chosen.includes(o.value)}
                onChange={(e) => onChange((e.target.checked ? [...chosen, o.value] : chosen.filter((c) => c !== o.value)).join(","))}
              />
              {o.name}
            </label>
          ))}
        </fieldset>
      );
    }
    case "area":
      return (
        <Field label={label}>
          <input value={value} placeholder={t("tickets.areaHint")} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
    default:
      return (
        <Field label={label}>
          <input value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
        </Field>
      );
  }
}
