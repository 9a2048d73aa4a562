// Subscribing a component to the workbench's events: one handler per kind it cares about (the table
// is generated with the event type, so a handler's argument is that kind's payload), for as long as
// the component is mounted. The handlers may change every render; the subscription stays.

import { useEffect, useRef } from "react";

import type { Backend } from "./backend";
import { dispatchDeskEvent, type DeskEventHandlers } from "./events";

export function useDeskEvents(backend: Backend, handlers: DeskEventHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    let stop: (() => void) | null = null;
    let alive = true;
    void backend
      .onDesk((event) => dispatchDeskEvent(event, latest.current))
      .then((off) => {
        if (alive) stop = off;
        else off();
      });
    return () => {
      alive = false;
      stop?.();
    };
  }, [backend]);
}
