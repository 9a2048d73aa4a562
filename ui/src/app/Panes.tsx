// The workbench's three panes: the session queue; in the centre the open conversation's header and
// actions, its payment links, the anger warning, the messages, the assistant and the composer (or a
// line saying nothing is open); and the details beside it (customer, knowledge, notes).

import { type RefObject, useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { Session } from "../backend/bindings";
import { AssistantPanel, type AssistantPanelHandle } from "../components/assistant/AssistantPanel";
import { Composer, type ComposerHandle } from "../components/Composer";
import { Conversation } from "../components/Conversation";
import { DetailsPanel } from "../components/DetailsPanel";
import { PaymentDialog } from "../components/payments/PaymentDialog";
import { PaymentLinks } from "../components/payments/PaymentLinks";
import { SessionActions } from "../components/SessionActions";
import { SessionList, type SessionListHandle } from "../components/SessionList";
import { customerLanguage } from "../customerMessages";
import { customerText, saidIn } from "../format";
import type { Language } from "../i18n";
import type { WorkbenchState } from "../state/workbench";
import type { useOpenConversation } from "./useOpenConversation";
import type { useOutbox } from "./useOutbox";
import type { useReplySources } from "./useReplySources";

export function Panes(props: {
  state: WorkbenchState;
  onSelect: (sessionId: string) => void;
  backend: Backend;
  open: ReturnType<typeof useOpenConversation>;
  outbox: ReturnType<typeof useOutbox>;
  replies: ReturnType<typeof useReplySources>;
  refs: {
    composer: RefObject<ComposerHandle | null>;
    assistant: RefObject<AssistantPanelHandle | null>;
    sessionList: RefObject<SessionListHandle | null>;
  };
  onError: (error: unknown) => void;
  onNotice: (notice: string) => void;
  onEnd: () => Promise<void>;
  onCreateTicket: () => void;
}) {
  const { state, backend, open, replies, refs } = props;
  const selected = state.selected ? state.sessions[state.selected] : undefined;
  const insertIntoReply = useCallback((text: string) => refs.composer.current?.insert(text), [refs.composer]);
  const { i18n } = useTranslation();
  const language = useMemo(() => customerLanguage(open.messages, i18n.language as Language), [open.messages, i18n.language]);
  const { send } = props.outbox;
  const sendToCustomer = useCallback((text: string) => void send(text), [send]);
  return (
    <div className="panes">
      <SessionList ref={refs.sessionList} state={state} onSelect={props.onSelect} />
      <ConversationPane
        state={state}
        session={selected}
        backend={backend}
        open={open}
        outbox={props.outbox}
        replies={replies}
        composer={refs.composer}
        assistant={refs.assistant}
        onError={props.onError}
        onNotice={props.onNotice}
        onEnd={props.onEnd}
        onCreateTicket={props.onCreateTicket}
        customerLanguage={language}
      />
      <DetailsPanel
        session={selected}
        backend={backend}
        onInsert={insertIntoReply}
        onSendToCustomer={sendToCustomer}
        customerLanguage={language}
        newestInbound={open.newestInboundKey}
        onUseArticle={replies.takeArticle}
      />
    </div>
  );
}

function ConversationPane({
  state,
  session,
  backend,
  open,
  outbox,
  replies,
  composer,
  assistant,
  onError,
  onNotice,
  onEnd,
  onCreateTicket,
  customerLanguage,
}: {
  state: WorkbenchState;
  session: Session | undefined;
  backend: Backend;
  open: ReturnType<typeof useOpenConversation>;
  outbox: ReturnType<typeof useOutbox>;
  replies: ReturnType<typeof useReplySources>;
  composer: RefObject<ComposerHandle | null>;
  assistant: RefObject<AssistantPanelHandle | null>;
  onError: (error: unknown) => void;
  onNotice: (notice: string) => void;
  onEnd: () => Promise<void>;
  onCreateTicket: () => void;
  customerLanguage: Language;
}) {
  const { t } = useTranslation();
  // The payment link dialog, for the session it was opened on.
  const [paying, setPaying] = useState<string | null>(null);
  const openPayment = useCallback(() => setPaying(session?.id ?? null), [session?.id]);
  const readReply = useCallback(() => composer.current?.text() ?? "", [composer]);
  return (
    <main className="centre" aria-label={t("conversation.label")}>
      {session ? (
        <>
          <header className="conversation-header">
            <h1>{customerText(session.visitor_name)}</h1>
            <span className="muted">{t(`channels.${session.channel}`)}</span>
            <SessionActions
              backend={backend}
              session={session}
              onError={onError}
              onNotice={onNotice}
              onEnd={onEnd}
              onCreateTicket={onCreateTicket}
              onCreatePayment={openPayment}
            />
            {paying === session.id && (
              <PaymentDialog
                backend={backend}
                session={session}
                customerLanguage={customerLanguage}
                onClose={() => setPaying(null)}
                onSent={onNotice}
              />
            )}
          </header>
          <PaymentLinks backend={backend} sessionId={session.id} onError={onError} />
          {open.mood?.warn && (
            <div className="warning" role="alert" data-testid="sentiment-warning">
              {t("mood.warning", { percent: Math.round(open.mood.risk * 100) })}
              {open.mood.cues.map((cue) => (
                <mark key={cue}>{cue}</mark>
              ))}
            </div>
          )}
          <Conversation
            state={state}
            session={session}
            messages={open.messages}
            onRetry={outbox.retry}
            onLoadImage={outbox.loadImage}
            onLoadVoice={outbox.loadVoice}
            onReadVoiceAgain={outbox.readVoiceAgain}
          />
          <AssistantPanel
            ref={assistant}
            backend={backend}
            session={session}
            newestInbound={open.newestInboundKey}
            newestInboundText={open.newestInbound ? saidIn(open.newestInbound) : null}
            readReply={readReply}
            onUse={replies.takeDraft}
            onError={onError}
            onNotice={onNotice}
            workspace={state.workspace}
          />
          <Composer
            ref={composer}
            disabled={session.state !== "active"}
            onSend={outbox.send}
            onSendImage={outbox.sendImage}
            onNotice={onNotice}
          />
        </>
      ) : (
        <div className="empty">{t("conversation.none")}</div>
      )}
    </main>
  );
}
