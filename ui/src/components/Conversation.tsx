// The conversation: a virtualized history (only visible rows are in the DOM, so a 10,000-message
// session scrolls like a short one), day separators, attachments as inert links, the typing
// indicator, and each outbound message's delivery state with a retry for failures. Customer text is
// rendered as text, never as markup.

import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Message, Session } from "../backend/bindings";
import { clock, dayKey, dayLabel } from "../format";
import { isTyping, type WorkbenchState } from "../state/workbench";
import { useNow } from "../useNow";

type Row = { kind: "day"; key: string; at: number } | { kind: "message"; key: string; message: Message };

function rows(messages: Message[]): Row[] {
  const out: Row[] = [];
  let day = "";
  for (const message of messages) {
    const key = dayKey(message.sent_at_ms);
    if (key !== day) {
      day = key;
      out.push({ kind: "day", key: `day-${key}`, at: message.sent_at_ms });
    }
    out.push({ kind: "message", key: message.client_msg_id ?? message.msg_id ?? `seq-${message.seq}`, message });
  }
  return out;
}

function Attachment({ message, onLoadImage }: { message: Message; onLoadImage: (address: string) => Promise<string> }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const [image, setImage] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const isAddress = /^(https?:\/\/|\/)/.test(message.content);
  if (message.kind === "image" && !isAddress) {
    // The agent's own image before the platform has it: its file name.
    return <span className="attachment">{t("conversation.image")} · {message.content}</span>;
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
        <span className="link-text">{t("conversation.attachmentLink", { url: message.content })}</span>
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
}) {
  const { t, i18n } = useTranslation();
  const now = useNow(1000);
  const items = useMemo(() => rows(props.messages), [props.messages]);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (items[index].kind === "day" ? 32 : 64),
    overscan: 8,
    // Rows are drawn on the first frame, before the scroller has been measured.
    initialRect: { width: 800, height: 600 },
    getItemKey: (index) => items[index].key,
  });

  // New messages keep the view at the bottom unless the agent scrolled up to read history.
  useEffect(() => {
    if (stickToBottom.current && items.length > 0) virtualizer.scrollToIndex(items.length - 1, { align: "end" });
  }, [items.length, virtualizer, props.session.id]);
  useEffect(() => {
    stickToBottom.current = true;
  }, [props.session.id]);

  const typing = isTyping(props.state, props.session.id, now);
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
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = items[item.index];
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="row-holder"
                style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start}px)` }}
              >
                {row.kind === "day" ? (
                  <div className="day-separator" role="separator">
                    {dayLabel(t, row.at, now, i18n.language)}
                  </div>
                ) : (
                  <MessageBubble
                    message={row.message}
                    error={props.state.sendErrors[row.message.client_msg_id ?? ""]}
                    onRetry={props.onRetry}
                    onLoadImage={props.onLoadImage}
                  />
                )}
              </div>
            );
          })}
        </div>
      </div>
      {typing && (
        <div className="typing" role="status">
          {t("conversation.typing", { name: props.session.visitor_name })}
        </div>
      )}
      {props.session.state === "ended" && <div className="ended">{t("conversation.ended")}</div>}
    </section>
  );
}

/** Memoized: scrolling re-renders the list, not every bubble in it. */
const MessageBubble = memo(function MessageBubble({
  message,
  error,
  onRetry,
  onLoadImage,
}: {
  message: Message;
  error?: string;
  onRetry: (m: Message) => void;
  onLoadImage: (address: string) => Promise<string>;
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
          <span className="text">{message.content}</span>
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
        {message.status === "failed" && (
          <button type="button" className="link" onClick={() => onRetry(message)} data-testid="retry-button">
            {t("conversation.retry")}
          </button>
        )}
      </div>
    </div>
  );
});
