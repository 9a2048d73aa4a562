// The composer: Enter sends, Shift+Enter adds a line (and Enter while an input method is composing
// Chinese does neither), `/` opens quick replies, and a pasted image explains what to do instead.

import { forwardRef, memo, useImperativeHandle, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { LIMITS } from "../backend/bindings";

export interface ComposerHandle {
  focus(): void;
  /** Puts text into the box (after what is there) for the agent to edit before sending. */
  insert(text: string): void;
  /** Puts text in place of what is in the box (a rewrite or translation of the reply). */
  replace(text: string): void;
  /** What is in the box now. */
  text(): string;
}


export interface PastedImage {
  fileName: string;
  mime: string;
  dataBase64: string;
}

/** The images the core sends, and how large (the core's own limits, generated). */
const SENDABLE_IMAGES: readonly string[] = LIMITS.image_types;
const MAX_IMAGE_BYTES = LIMITS.max_image_bytes;

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error);
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.readAsDataURL(file);
  });
}

/** Memoized: typing a reply re-renders the composer alone, and pushed messages leave it alone. */
export const Composer = memo(
  forwardRef<
  ComposerHandle,
  { disabled: boolean; onSend: (text: string) => void; onSendImage: (image: PastedImage) => void; onNotice: (text: string) => void }
>(function Composer({ disabled, onSend, onSendImage, onNotice }, ref) {
    const { t, i18n } = useTranslation();
    const [text, setText] = useState("");
    const [pick, setPick] = useState(0);
    const area = useRef<HTMLTextAreaElement>(null);
    useImperativeHandle(ref, () => ({
      focus: () => area.current?.focus(),
      insert: (inserted: string) => {
        setText((current) => (current.trim() ? `${current.trimEnd()}\n${inserted}` : inserted));
        area.current?.focus();
      },
      replace: (replacement: string) => {
        setText(replacement);
        area.current?.focus();
      },
      text: () => area.current?.value ?? "",
    }));

    const quick = useMemo(() => {
      if (!text.startsWith("/")) return [];
      const needle = text.slice(1).toLowerCase();
      // The agent's language's quick replies, from the catalogue.
      const list = Object.values(t("composer.quickReplyList", { returnObjects: true }) as Record<string, string>);
      return list.filter((reply) => reply.toLowerCase().includes(needle));
    }, [text, i18n.language, t]);

    const submit = () => {
      const value = text.trim();
      if (!value) {
        onNotice(t("composer.empty"));
        return;
      }
      onSend(value);
      setText("");
    };

    return (
      <div className="composer">
        {quick.length > 0 && (
          <ul className="quick-replies" role="listbox" aria-label={t("composer.quickReplies")}>
            {quick.map((reply, index) => (
              <li
                key={reply}
                role="option"
                aria-selected={index === pick}
                className={index === pick ? "selected" : ""}
                onMouseDown={(e) => {
                  e.preventDefault();
                  setText(reply);
                }}
              >
                {reply}
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={area}
          data-testid="composer"
          aria-label={t("composer.label")}
          placeholder={t("composer.placeholder")}
          value={text}
          disabled={disabled}
          rows={3}
          onChange={(e) => {
            setText(e.target.value);
            setPick(0);
          }}
          onPaste={(e) => {
            const file = Array.from(e.clipboardData.items)
              .find((item) => item.kind === "file" && item.type.startsWith("image/"))
              ?.getAsFile();
            if (!file) return;
            e.preventDefault();
            if (!SENDABLE_IMAGES.includes(file.type)) {
              onNotice(t("composer.imageType"));
              return;
            }
            if (file.size > MAX_IMAGE_BYTES) {
              onNotice(t("composer.imageTooLarge"));
              return;
            }
            readBase64(file)
              .then((dataBase64) => onSendImage({ fileName: file.name || "image.png", mime: file.type, dataBase64 }))
              .catch(() => onNotice(t("composer.imageUnreadable")));
          }}
          onKeyDown={(e) => {
            if (e.nativeEvent.isComposing || e.keyCode === 229) return;
            if (quick.length > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
              e.preventDefault();
              setPick((p) => (p + (e.key === "ArrowDown" ? 1 : quick.length - 1)) % quick.length);
              return;
            }
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              if (quick.length > 0) setText(quick[pick]);
              else submit();
            }
            if (e.key === "Escape" && quick.length > 0) setText("");
          }}
        />
        <button type="button" className="primary" data-testid="send-button" disabled={disabled} onClick={submit}>
          {t("composer.send")}
        </button>
      </div>
    );
  }),
);
