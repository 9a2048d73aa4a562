// The tenant (merchant) switcher for supervisors: keyboard first. Ctrl+Shift+M (or a click) opens
// it with the search box focused; typing filters, ↑/↓ move, Enter switches, Esc closes. A switch
// swaps the whole workspace: the core answers with the new tenant's snapshot, and nothing of the
// previous tenant stays on screen.

import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { TenantOption, WorkbenchSnapshot } from "../backend/bindings";
import { commandKey, shortcutLabel } from "../shortcuts";
import { describeError } from "../errors";
import { ErrorLine } from "./formParts";

export function TenantSwitcher(props: {
  backend: Backend;
  tenantName: string;
  onSwitched: (snapshot: WorkbenchSnapshot) => void;
}) {
  const { t } = useTranslation();
  const { open, setOpen, tenants, query, setQuery, highlight, setHighlight, busy, error, shown, choose, close, search, button } =
    useTenantSwitch(props.backend, props.onSwitched);

  return (
    <span className="tenant-switcher">
      <button
        ref={button}
        type="button"
        className="link"
        aria-haspopup="dialog"
        aria-expanded={open}
        title={t("tenants.shortcut", { shortcut: shortcutLabel("Mod+Shift+M") })}
        onClick={() => setOpen(!open)}
        data-testid="tenant-switcher"
      >
        {props.tenantName} ▾
      </button>
      {open && (
        <div className="tenant-popover" role="dialog" aria-label={t("tenants.title")}>
          <input
            ref={search}
            type="search"
            placeholder={t("tenants.search")}
            aria-label={t("tenants.search")}
            aria-controls="tenant-options"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setHighlight(0);
            }}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") setHighlight((h) => Math.min(shown.length - 1, h + 1));
              else if (e.key === "ArrowUp") setHighlight((h) => Math.max(0, h - 1));
              else if (e.key === "Enter") void choose(shown[highlight]);
              else if (e.key === "Escape") close();
              else return;
              e.preventDefault();
            }}
          />
          {tenants === null && !error && (
            <div className="muted" role="status">
              {t("tenants.loading")}
            </div>
          )}
          <ul id="tenant-options" role="listbox" aria-label={t("tenants.title")}>
            {shown.map((tenant, index) => (
              <li
                key={tenant.id}
                role="option"
                aria-selected={index === highlight}
                aria-disabled={!tenant.enabled}
                className={`tenant-option${index === highlight ? " highlighted" : ""}${tenant.enabled ? "" : " disabled"}`}
                data-testid="tenant-option"
                data-tenant-id={tenant.id}
                onMouseEnter={() => setHighlight(index)}
                onClick={() => void choose(tenant)}
              >
                <span>{tenant.name}</span>
                {tenant.active && <span className="muted"> · {t("tenants.current")}</span>}
                {!tenant.enabled && <span className="muted"> · {t("tenants.disabledTag")}</span>}
                {busy === tenant.id && <span className="muted"> · {t("tenants.switching")}</span>}
              </li>
            ))}
            {tenants !== null && shown.length === 0 && <li className="muted">{t("tenants.none")}</li>}
          </ul>
          <ErrorLine message={error} />
        </div>
      )}
    </span>
  );
}

/**
 * The switcher's state: open (also by Ctrl+Shift+M), the tenants filtered by what is typed, the
 * highlighted one, and the switch itself (refused for a disabled tenant, nothing for the current one).
 */
function useTenantSwitch(backend: Backend, onSwitched: (snapshot: WorkbenchSnapshot) => void) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [tenants, setTenants] = useState<TenantOption[] | null>(null);
  const [query, setQuery] = useState("");
  const [highlight, setHighlight] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (commandKey(e) && e.shiftKey && e.key.toLowerCase() === "m") {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    if (!open) return;
    setQuery("");
    setError(null);
    setTenants(null);
    search.current?.focus();
    backend
      .tenants()
      .then((list) => {
        setTenants(list);
        setHighlight(0);
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [open, backend]);

  const shown = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return (tenants ?? []).filter((tenant) => !needle || tenant.name.toLowerCase().includes(needle));
  }, [tenants, query]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const choose = async (tenant: TenantOption | undefined) => {
    if (!tenant || busy) return;
    if (tenant.active) return close();
    if (!tenant.enabled) {
      setError(t("tenants.disabled", { name: tenant.name }));
      return;
    }
    setBusy(tenant.id);
    setError(null);
    try {
      const snapshot = await backend.switchTenant(tenant.id);
      onSwitched(snapshot);
      close();
    } catch (e) {
      setError(t("tenants.switchFailed", { message: describeError(e) }));
    } finally {
      setBusy(null);
    }
  };

  return { open, setOpen, tenants, query, setQuery, highlight, setHighlight, busy, error, shown, choose, close, search, button };
}
