// The conversation: a virtualized history (only visible rows are in the DOM, so a 10,000-message
// session scrolls like a short one), day separators, attachments as inert links, voice messages with
// their words, the typing
// indicator, and each outbound message's delivery state with a retry for failures. Customer text is
// rendered as text, never as markup.

import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, type RefObject, useCallback, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { DeliveryFailure, Message, Session } from "../backend/bindings";
import { clock, customerAddress, customerText, dayBounds, dayKey, dayLabel, LONG_MESSAGE_CHARS } from "../format";
import { isTyping, type WorkbenchState } from "../state/workbench";
import { VoiceMessage } from "./VoiceMessage";
import { useNow } from "../useNow";

type Row = { kind: "day"; key: string; at: number } | { kind: "message"; key: string; message: Message };

/** The history's rows: a day separator wherever the day changes. */
export function rows(messages: Message[]): Row[] {
  return extendRows({ messages: [], rows: [], dayStart: 0, dayEnd: -1 }, messages).rows;
}

/** Rows built so far, with the day the last one falls on. */
type BuiltRows = { messages: Message[]; rows: Row[]; dayStart: number; dayEnd: number };

/** The rows of `messages`, reusing `built` when `messages` only adds to the end of its list: a new
 * message in a 10,000-message conversation then costs one row rather than a pass over all of them
 * (and no garbage for the collector to pause over). Anything else is built again from the start. */
export function extendRows(built: BuiltRows, messages: Message[]): BuiltRows {
  const previous = built.messages;
  let appended = previous.length <= messages.length;
  for (let i = previous.length - 1; appended && i >= 0; i--) appended = previous[i] === messages[i];
  const out = appended ? built.rows.slice() : [];
  let dayStart = appended ? built.dayStart : 0;
  let dayEnd = appended ? built.dayEnd : -1;
  for (let i = appended ? previous.length : 0; i < messages.length; i++) {
    const message = messages[i];
    const at = message.sent_at_ms;
    if (at < dayStart || at >= dayEnd) {
      [dayStart, dayEnd] = dayBounds(at);
      out.push({ kind: "day", key: `day-${dayKey(at)}`, at });
    }
    out.push({ kind: "message", key: message.client_msg_id ?? message.msg_id ?? `at-${message.sent_at_ms}`, message });
  }
  return { messages, rows: out, dayStart, dayEnd };
}

function Attachment({ message, onLoadImage }: { message: Message; onLoadImage: (address: string) => Promise<string> }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const [image, setImage] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const isAddress = /^(https?:\/\/|\/)/.test(message.content);
  if (message.kind === "image" && !isAddress) {
    // The agent's own image before the platform has it: its file name.
    return <span className="attachment">{t("conversation.image")} · {customerAddress(message.content)}</span>;
  }
  if (message.kind === "image") {
    // Loaded through the app on the agent's click, never straight from the address by the webview.
    return (
      <span className="attachment">
        {image ? (
          <img src={image} alt={t("conversation.image")} className="inline-image" />
        ) : (
          <button
            type="button"
            className="link"
            onClick={() =>
              onLoadImage(message.content)
                .then(setImage)
                .catch((e: unknown) => setFailed(e instanceof Error ? e.message : String(e)))
            }
          >
            {t("conversation.showImage")}
          </button>
        )}
        {failed && <span className="muted"> {failed}</span>}
      </span>
    );
  }
  // Nothing is fetched from an address the customer chose: the link is shown only on request, as text.
  return (
    <span className="attachment">
      <span>{t(`conversation.${message.kind === "text" ? "other" : message.kind}`)}</span>{" "}
      {shown ? (
        <span className="link-text">{t("conversation.attachmentLink", { url: customerAddress(message.content) })}</span>
      ) : (
        <button type="button" className="link" onClick={() => setShown(true)}>
          {t("conversation.openAttachment")}
        </button>
      )}
    </span>
  );
}

export function Conversation(props: {
  state: WorkbenchState;
  session: Session;
  messages: Message[];
  onRetry: (m: Message) => void;
  onLoadImage: (address: string) => Promise<string>;
  onLoadVoice: (address: string) => Promise<string>;
  onReadVoiceAgain: (message: Message) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  // Only for "today" and "yesterday" on the day separators: a minute is fine, and a per-second clock
  // would re-render a 10,000-row conversation every second.
  const now = useNow(60_000);
  const built = useRef<BuiltRows>({ messages: [], rows: [], dayStart: 0, dayEnd: -1 });
  const items = useMemo(() => {
    built.current = extendRows(built.current, props.messages);
    return built.current.rows;
  }, [props.messages]);
  const scroller = useRef<HTMLDivElement>(null);
  /** False while the agent has scrolled up to read history. */
  const stickToBottom = useRef(true);
  const virtualizer = useVirtualRows(items, scroller);

  useStickToBottom(scroller, stickToBottom, items.length, virtualizer, props.session.id);

  return (
    <section className="conversation" aria-label={t("conversation.label")}>
      <div
        ref={scroller}
        className="history"
        role="log"
        aria-live="polite"
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        <div ref={virtualizer.containerRef} style={{ position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = items[item.index];
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="row-holder"
                style={{ position: "absolute", top: 0, left: 0, width: "100%" }}
              >
                {row.kind === "day" ? (
                  <div className="day-separator" role="separator">
                    {dayLabel(t, row.at, now, i18n.language)}
                  </div>
                ) : (
                  <MessageBubble
                    message={row.message}
                    error={props.state.sendErrors[row.message.client_msg_id ?? ""]}
                    failure={props.state.sendFailures[row.message.client_msg_id ?? ""]}
                    onRetry={props.onRetry}
                    onLoadImage={props.onLoadImage}
                    onLoadVoice={props.onLoadVoice}
                    onReadVoiceAgain={props.onReadVoiceAgain}
                  />
                )}
              </div>
            );
          })}
        </div>
      </div>
      <TypingIndicator state={props.state} session={props.session} />
      {props.session.state === "ended" && <div className="ended">{t("conversation.ended")}</div>}
    </section>
  );
}

/** The conversation's rows, virtualized: only those in view are in the DOM. */
function useVirtualRows(items: Row[], scroller: RefObject<HTMLDivElement | null>) {
  // Stable per list: the virtualizer rebuilds its measurements of all 10,000 rows whenever the key
  // function changes, and a new closure on every render (every pushed event) would do so each time.
  const getItemKey = useCallback((index: number) => items[index].key, [items]);
  const estimateSize = useCallback((index: number) => (items[index].kind === "day" ? 32 : 64), [items]);
  return useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize,
    overscan: 8,
    // Rows are drawn on the first frame, before the scroller has been measured.
    initialRect: { width: 800, height: 600 },
    getItemKey,
    // Scrolling moves the rows by writing their positions straight into the DOM; React renders only
    // when the range of rows in view changes, and never synchronously inside the scroll event.
    directDomUpdates: true,
    useFlushSync: false,
  });
}

/**
 * Keeps the conversation at its bottom: a conversation just opened starts at its end, and a new
 * message scrolls into view unless the agent scrolled up to read history.
 */
function useStickToBottom(
  scroller: RefObject<HTMLDivElement | null>,
  stickToBottom: RefObject<boolean>,
  rows: number,
  virtualizer: { scrollToIndex: (index: number, options: { align: "end" }) => void },
  sessionId: string,
) {
  /** The session whose conversation has been brought to its bottom once. */
  const shownAtBottom = useRef<string | null>(null);
  // New messages keep the view at the bottom unless the agent scrolled up to read history. Before
  // the paint, so a new message and the scroll that shows it are drawn as one frame.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || rows === 0) return;
    if (shownAtBottom.current !== sessionId) {
      // A conversation just opened, at its end whatever the agent did in the one before. Its rows
      // are estimates until drawn, and the virtualizer's scrollToIndex keeps correcting until the
      // last one really is at the bottom.
      shownAtBottom.current = sessionId;
      stickToBottom.current = true;
      virtualizer.scrollToIndex(rows - 1, { align: "end" });
    } else if (stickToBottom.current) {
      // One more message: straight to the end of the list, whose height the virtualizer has just
      // set (scrollToIndex's corrections over the next frames would be paid on every message).
      el.scrollTop = el.scrollHeight;
    }
  }, [rows, virtualizer, sessionId, scroller, stickToBottom]);
}

/** "… is typing", with its own per-second clock (typing expires after a few seconds of silence). */
function TypingIndicator({ state, session }: { state: WorkbenchState; session: Session }) {
  const { t } = useTranslation();
  const now = useNow(1000);
  if (!isTyping(state, session.id, now)) return null;
  return (
    <div className="typing" role="status">
      {t("conversation.typing", { name: session.visitor_name })}
    </div>
  );
}

/** A message's text as text (never markup), direction controls made visible, and a very long one
 * shortened until the agent asks for all of it. */
function MessageText({ content }: { content: string }) {
  const { t } = useTranslation();
  const [whole, setWhole] = useState(false);
  const long = content.length > LONG_MESSAGE_CHARS;
  const shown = long && !whole ? content.slice(0, LONG_MESSAGE_CHARS) : content;
  return (
    <>
      <span className="text">{customerText(shown)}</span>
      {long && !whole && (
        <>
          {"… "}
          <button type="button" className="link" onClick={() => setWhole(true)} data-testid="show-whole-message">
            {t("conversation.showWhole", { count: content.length })}
          </button>
        </>
      )}
    </>
  );
}

/** Memoized: scrolling re-renders the list, not every bubble in it. */
const MessageBubble = memo(function MessageBubble({
  message,
  error,
  failure,
  onRetry,
  onLoadImage,
  onLoadVoice,
  onReadVoiceAgain,
}: {
  message: Message;
  error?: string;
  failure?: DeliveryFailure;
  onRetry: (m: Message) => void;
  onLoadImage: (address: string) => Promise<string>;
  onLoadVoice: (address: string) => Promise<string>;
  onReadVoiceAgain: (message: Message) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  return (
    <div
      className={`message ${message.direction}`}
      data-testid="message"
      data-direction={message.direction}
      data-status={message.status}
    >
      <div className="bubble">
        {message.kind === "text" ? (
          <MessageText content={message.content} />
        ) : message.kind === "voice" ? (
          <VoiceMessage message={message} onLoadVoice={onLoadVoice} onReadAgain={onReadVoiceAgain} />
        ) : (
          <Attachment message={message} onLoadImage={onLoadImage} />
        )}
      </div>
      <div className="meta">
        <span>{clock(message.sent_at_ms, i18n.language)}</span>
        {message.direction === "out" && (
          <span className={`delivery ${message.status}`} title={error}>
            {t(`conversation.status.${message.status}`)}
          </span>
        )}
        {message.status === "failed" && (failure || error) && (
          <span className="delivery-reason" data-testid="delivery-reason" title={error}>
            {failure ? t(`conversation.failure.${failure}`) : error}
          </span>
        )}
        {message.status === "failed" && (
          <button type="button" className="link" onClick={() => onRetry(message)} data-testid="retry-button">
            {t("conversation.retry")}
          </button>
        )}
      </div>
    </div>
  );
});
