// The supervisor dashboard as a screen of the window: its code and its charting library load when
// first opened (or, for someone who opened it before, when the window is idle after start), so an
// agent who never opens it never pays for them; its first figures are asked for on opening, so the
// fetch overlaps loading the code.

import { type ComponentProps, type ComponentType, lazy, useCallback, useEffect, useRef, useState } from "react";

import type { Backend } from "../backend/backend";
import type { DashboardQuery, DashboardView } from "../backend/bindings";
import { defaultQuery } from "../components/dashboard/range";
import { preloadIfUsedBefore, rememberDashboardUsed } from "../dashboardPreload";

type DashboardModule = typeof import("../components/dashboard/Dashboard");
export type DashboardComponent = ComponentType<ComponentProps<DashboardModule["Dashboard"]>>;

/** The dashboard's code once loaded: then it is shown at once, with no loading step in between
 * (React's `lazy` would still suspend once, and painting that step costs a frame). */
let loadedDashboard: DashboardModule | null = null;
const loadDashboard = () =>
  import("../components/dashboard/Dashboard").then((m) => {
    loadedDashboard = m;
    return m;
  });
const LazyDashboard = lazy(() => loadDashboard().then((m) => ({ default: m.Dashboard })));

/** Starts loading the dashboard's code (the pointer or focus reached its button). */
export const preloadDashboard = () => void loadDashboard().catch(() => {});

export interface DashboardScreen {
  open: boolean;
  toggle: () => void;
  close: () => void;
  /** The component to render (chosen once per opening). */
  Screen: DashboardComponent;
  prefetched: { query: DashboardQuery; figures: Promise<DashboardView> } | null;
}

export function useDashboardScreen(backend: Backend): DashboardScreen {
  useEffect(() => {
    preloadIfUsedBefore(preloadDashboard);
  }, []);
  const [open, setOpen] = useState(false);
  const [prefetched, setPrefetched] = useState<DashboardScreen["prefetched"]>(null);
  const screen = useRef<DashboardComponent>(LazyDashboard);
  const toggle = useCallback(() => {
    if (open) {
      setOpen(false);
      return;
    }
    rememberDashboardUsed();
    // Chosen once per opening: switching from the lazy to the loaded component while it is on
    // screen would remount it and lose its range.
    screen.current = loadedDashboard?.Dashboard ?? LazyDashboard;
    const query = defaultQuery();
    const figures = backend.dashboard(query);
    // A failure is shown by the dashboard when it uses these; never unhandled here.
    figures.catch(() => {});
    setPrefetched({ query, figures });
    setOpen(true);
  }, [backend, open]);
  const close = useCallback(() => setOpen(false), []);
  return { open, toggle, close, Screen: screen.current, prefetched };
}
