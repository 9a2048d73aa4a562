// An account's ticket systems in Settings → Accounts: a system added with its address, user and
// project; its credential typed once, sent for the keychain and not kept in the form.

import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { FakeBackend } from "../../backend/fakeBackend";
import { initI18n } from "../../i18n";
import { AccountsSection } from "../AccountsSection";

describe("an account's ticket systems", () => {
  beforeEach(() => initI18n("en"));
  afterEach(cleanup);

  it("are saved with the account, their credential sent once for the keychain", async () => {
    const backend = new FakeBackend();
    const save = vi.spyOn(backend, "saveAccount");
    render(<AccountsSection backend={backend} activeAccount="" onUse={() => {}} />);
    fireEvent.click(await screen.findByTestId("account-add"));
    fireEvent.change(screen.getByTestId("account-name"), { target: { value: "Shop A" } });
    fireEvent.change(screen.getByTestId("account-appid"), { target: { value: "app-1" } });
    fireEvent.change(screen.getByTestId("account-app-key"), { target: { value: "key-1" } });
    fireEvent.change(screen.getByTestId("account-tickets-add"), { target: { value: "jira" } });
    const jira = within(screen.getByTestId("account-tickets-jira"));
    fireEvent.change(jira.getByLabelText("Address"), { target: { value: "https://team.atlassian.net" } });
    fireEvent.change(jira.getByLabelText("User e-mail (the API token's owner)"), { target: { value: "desk@team.test" } });
    fireEvent.change(jira.getByLabelText("Project key"), { target: { value: "CS" } });
    fireEvent.change(jira.getByLabelText("Merchants it serves (company ids)"), { target: { value: "c1, c2" } });
    fireEvent.change(jira.getByLabelText("API token"), { target: { value: "atl-token-9" } });
    fireEvent.click(screen.getByTestId("account-save"));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    const input = save.mock.calls[0][0];
    expect(input.account.tickets).toEqual([
      { system: "jira", tenants: ["c1", "c2"], base_url: "https://team.atlassian.net", user: "desk@team.test", project: "CS", issue_type: "Task", staff_id: "" },
    ]);
    expect(input.ticket_keys).toEqual([{ system: "jira", key: "atl-token-9" }]);
    expect(JSON.stringify(input.account)).not.toContain("atl-token-9");
    await waitFor(() => expect(screen.queryByTestId("account-ticket-systems")).toBeNull());
    expect((await backend.accounts())[0].ticket_keys).toEqual(["jira"]);
  });
});
